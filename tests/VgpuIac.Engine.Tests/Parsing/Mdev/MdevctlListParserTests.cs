using VgpuIac.Engine.Parsing.Mdev;

namespace VgpuIac.Engine.Tests.Parsing.Mdev;

public sealed class MdevctlListParserTests
{
    private const string Kind = "mdevctl-list";

    public static TheoryData<string> Files => RealOutputs.Names(Kind);

    [Theory]
    [MemberData(nameof(Files))]
    public void Reads_every_real_sample(string file)
    {
        var r = MdevctlListParser.ParseText(RealOutputs.Read(Kind, file), definedListing: true);
        switch (file)
        {
            case "ubuntu-docs-v100-list-defined.txt":
                Assert.True(r.IsComplete);
                Assert.Equal(["bc127e23-aaaa-4d06-a7aa-88db2dd538e0", "1360ce4b-2ed2-4f63-abb6-8cdb92100085"], r.Value.Select(m => m.Uuid));
                Assert.All(r.Value, m => Assert.Equal(new MdevInstance(m.Uuid, "0000:41:00.0", "nvidia-108", "manual", true, true), m));
                break;
            default:
                Assert.Fail($"no expectation written for {Kind}/{file}");
                break;
        }
    }

    [Fact]
    public void Defined_but_inactive_and_transient_devices()
    {
        var defined = MdevctlListParser.ParseText("00000000-0000-0000-0000-000000000104 0000:01:00.0 nvidia-46 auto\n", definedListing: true);
        Assert.False(Assert.Single(defined.Value).Active);

        var live = MdevctlListParser.ParseText("00000000-0000-0000-0000-000000000104 0000:01:00.0 nvidia-46\n");
        var m = Assert.Single(live.Value);
        Assert.True(m.Active);
        Assert.False(m.Defined);
        Assert.Null(m.StartMode);
    }

    [Fact]
    public void Reads_dumpjson()
    {
        const string json = """
            [
              {
                "0000:01:00.0": [
                  { "00000000-0000-0000-0000-000000000104": { "mdev_type": "nvidia-46", "start": "manual", "attrs": [] } },
                  { "00000001-0000-0000-0000-000000000104": { "mdev_type": "nvidia-46", "start": "auto", "attrs": [ { "x": "1" } ] } }
                ]
              }
            ]
            """;
        var r = MdevctlListParser.ParseJson(json, definedListing: true);
        Assert.True(r.IsComplete);
        Assert.Equal(["manual", "auto"], r.Value.Select(m => m.StartMode));
        Assert.All(r.Value, m => Assert.Equal("0000:01:00.0", m.Parent));
        Assert.Empty(MdevctlListParser.ParseJson("").Value);
        Assert.True(MdevctlListParser.ParseJson("[{").Truncated);
    }

    [Fact]
    public void Noise_lines_are_warnings_not_devices()
    {
        var r = MdevctlListParser.ParseText("mdevctl: command not found\n");
        Assert.Empty(r.Value);
        Assert.Single(r.Warnings);
    }
}
