using VgpuIac.Engine.Parsing.Mdev;

namespace VgpuIac.Engine.Tests.Parsing.Mdev;

public sealed class MdevctlTypesJsonTests
{
    private const string Kind = "mdevctl-types-json";

    public static TheoryData<string> Files => RealOutputs.Names(Kind);

    [Theory]
    [MemberData(nameof(Files))]
    public void Reads_every_real_sample(string file)
    {
        var r = MdevctlTypesParser.ParseJson(RealOutputs.Read(Kind, file));
        switch (file)
        {
            case "mdevctl-testfixture-m10-parent-match-2.txt":
                Assert.True(r.IsComplete);
                Assert.Equal(["nvidia-155", "nvidia-36"], r.Value.Select(t => t.Id));
                Assert.Equal(["GRID M10-2B", "GRID M10-0Q"], r.Value.Select(t => t.Name));
                Assert.Equal([4, 16], r.Value.Select(t => t.AvailableInstances));
                Assert.All(r.Value, t => Assert.Equal("0000:00:03.0", t.Parent));
                Assert.All(r.Value, t => Assert.Equal("vfio-pci", t.DeviceApi));
                Assert.All(r.Value, t => Assert.Null(t.Description));
                break;
            default:
                Assert.Fail($"no expectation written for {Kind}/{file}");
                break;
        }
    }

    [Fact]
    public void Reads_description_and_several_parents()
    {
        const string json = """
            [{"0000:01:00.0":[{"nvidia-46":{"available_instances":0,"device_api":"vfio-pci","name":"GRID P40-1Q","description":"num_heads=4, frl_config=60, framebuffer=1024M, max_resolution=5120x2880, max_instance=24"}}]},
             {"0000:02:00.0":[]}]
            """;
        var r = MdevctlTypesParser.ParseJson(json);
        Assert.True(r.IsComplete);
        var t = Assert.Single(r.Value);
        Assert.Equal(1024, t.Details!.FramebufferMiB);
    }

    [Fact]
    public void Empty_and_cut_json_do_not_throw()
    {
        Assert.Empty(MdevctlTypesParser.ParseJson("").Value);
        Assert.Empty(MdevctlTypesParser.ParseJson("[]").Value);
        var cut = MdevctlTypesParser.ParseJson("[{\"0000:01:00.0\":[{\"nvidia-46\":{\"available_");
        Assert.True(cut.Truncated);
    }
}
