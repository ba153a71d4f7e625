using VgpuIac.Engine.Parsing.KeyValue;
using VgpuIac.Engine.Parsing.Mdev;

namespace VgpuIac.Engine.Tests.Parsing.KeyValue;

/// <summary>The bonus kinds: nvidia-dev-ctl mdev class tables and virsh nodedev-info.</summary>
public sealed class OtherToolsTests
{
    public static TheoryData<string> MdevToolFiles => RealOutputs.Names("mdev-other-tools");

    public static TheoryData<string> VirshFiles => RealOutputs.Names("virsh-nodedev");

    [Theory]
    [MemberData(nameof(MdevToolFiles))]
    public void Reads_every_mdev_tool_sample(string file)
    {
        var r = NvidiaDevCtlParser.Parse(RealOutputs.Read("mdev-other-tools", file));
        switch (file)
        {
            case "nvidia-dev-ctl-v100d-classes.txt":
                Assert.True(r.IsComplete);
                Assert.Equal(20, r.Value.Length);
                Assert.All(r.Value, t => Assert.Equal("0000:47:00.0", t.Parent));
                Assert.Equal(new MdevType("0000:47:00.0", "nvidia-180", 32, null, "GRID V100D-1Q", null), r.Value[0]);
                Assert.Equal(("nvidia-314", "GRID V100D-32C", 1), (r.Value[^1].Id, r.Value[^1].Name, r.Value[^1].AvailableInstances!.Value));
                break;
            default:
                Assert.Fail($"no expectation written for mdev-other-tools/{file}");
                break;
        }
    }

    [Theory]
    [MemberData(nameof(VirshFiles))]
    public void Reads_every_virsh_sample(string file)
    {
        var r = VirshNodeDeviceInfoParser.Parse(RealOutputs.Read("virsh-nodedev", file));
        switch (file)
        {
            case "greendamtan-fnos-virsh-nodedev-info-mdev-inactive.txt":
                Assert.True(r.IsComplete);
                Assert.Equal(new VirshNodeDeviceInfo("mdev_00000000_0000_0000_0000_000000000001_0000_81_00_0", "pci_0000_81_00_0", false, true, false), r.Value);
                break;
            default:
                Assert.Fail($"no expectation written for virsh-nodedev/{file}");
                break;
        }
    }

    [Fact]
    public void Indented_tree_reads_headings_values_and_tabs()
    {
        var tree = IndentedTreeParser.Parse("A : 1\nSection\n\tKey : v : w\n\tTabbed : t\n        Empty:\nB: 2\n");
        Assert.Equal(["A", "Section", "B"], tree.Select(n => n.Key));
        var section = tree[1];
        Assert.Null(section.Value);
        Assert.Equal("v : w", section.ValueAt("Key"));
        Assert.Equal("t", section.ValueAt("Tabbed"));
        Assert.Equal(string.Empty, section.ValueAt("Empty"));
        Assert.Equal(3, section.Descendants().Count());
        Assert.Empty(IndentedTreeParser.Parse(null));
    }
}
