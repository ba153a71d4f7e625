using VgpuIac.Engine.Parsing.Dkms;

namespace VgpuIac.Engine.Tests.Parsing.Dkms;

public sealed class DkmsParserTests
{
    private const string Kind = "dkms-status";

    public static TheoryData<string> Files => RealOutputs.Names(Kind);

    [Theory]
    [MemberData(nameof(Files))]
    public void Reads_every_real_sample(string file)
    {
        var text = RealOutputs.Read(Kind, file);
        var status = DkmsParser.ParseStatus(text);
        switch (file)
        {
            case "dualcoder-69-dkms-install-450.89-pve5.4.txt":
                // `dkms install` output, not `dkms status`: no status line in it, and none invented
                Assert.Empty(status.Value);
                break;
            case "dualcoder-71-dkms-nvidia-460.73.02.txt":
                Assert.True(status.IsComplete);
                Assert.Equal(new DkmsModuleStatus("nvidia", "460.73.02", "5.11.22-3-pve", "x86_64", "installed", null), Assert.Single(status.Value));
                Assert.True(status.Value[0].Installed);
                break;
            default:
                Assert.Fail($"no expectation written for {Kind}/{file}");
                break;
        }
    }

    [Fact]
    public void New_slash_format_with_warning_and_added()
    {
        const string text = """
            nvidia/535.129.03, 6.5.13-5-pve, x86_64: installed (WARNING! Diff between built and installed module!)
            nvidia/535.129.03, 6.8.12-4-pve, x86_64: built
            nvidia/550.144.02: added
            """;
        var r = DkmsParser.ParseStatus(text);
        Assert.True(r.IsComplete);
        Assert.Equal(3, r.Value.Length);
        Assert.Equal("WARNING! Diff between built and installed module!", r.Value[0].Warning);
        Assert.True(r.Value[0].Installed);
        Assert.Equal("6.8.12-4-pve", r.Value[1].Kernel);
        Assert.Equal("built", r.Value[1].Status);
        Assert.Equal(new DkmsModuleStatus("nvidia", "550.144.02", null, null, "added", null), r.Value[2]);
        Assert.Empty(DkmsParser.ParseStatus("").Value);
    }
}
