using System.Text;
using VgpuIac.Engine.Host;

namespace VgpuIac.Engine.Tests.Host;

public sealed class VmSnapshotParserTests
{
    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private const string QmList = """
              VMID NAME                 STATUS     MEM(MB)    BOOTDISK(GB) PID
               104 dsm                  running    2048               0.00 4242
               105 idle                 stopped    2048               0.00 0
        """;

    [Fact]
    public void Configs_status_and_mdevs_are_joined_by_vmid()
    {
        var output = $"conf\t104\t{B64("#note\nname: dsm\nagent: enabled=1,fstrim_cloned_disks=1\nhostpci0: 0000:01:00.0,mdev=nvidia-46,pcie=1\n\n[snap1]\nname: old\n")}\n" +
                     $"conf\t105\t{B64("name: idle\n")}\n" +
                     $"conf\t106\t{B64("name: fresh\n")}\n" +
                     $"list\t0\t{B64(QmList)}\n" +
                     "mdev\t00000001-0000-0000-0000-000000000104\t0000:01:00.0\tnvidia-46\n" +
                     "mdev\t4b20d080-1b54-4048-85b3-a6a62d165c01\t0000:01:00.0\tnvidia-47\n" +
                     "end\n";

        var s = VmSnapshotProbe.Parse("pve1", output);

        Assert.True(s.Complete);
        Assert.Equal(2, s.Mdevs.Length);
        var dsm = s.Find(104)!;
        Assert.Equal(("dsm", "running", true, "note"), (dsm.Name, dsm.Status, dsm.AgentEnabled, dsm.Config!.Description));
        Assert.Equal("00000001-0000-0000-0000-000000000104", Assert.Single(dsm.Mdevs).Uuid);
        Assert.Equal(["snap1"], dsm.Config.Sections.ToArray());
        Assert.Equal("stopped", s.Find(105)!.Status);
        Assert.Equal("stopped", s.Find(106)!.Status); // not listed yet (created after the listing): not running
    }

    [Fact]
    public void A_failed_listing_leaves_the_status_unknown_and_a_cut_output_is_not_complete()
    {
        var s = VmSnapshotProbe.Parse("pve1", $"conf\t104\t{B64("name: dsm\n")}\nlist\t2\t{B64("ipcc_send_rec[1] failed")}\nend\n");
        Assert.False(s.StatusListed);
        Assert.Null(s.Find(104)!.Status);
        Assert.Contains(s.Warnings, w => w.Contains("ipcc_send_rec", StringComparison.Ordinal));

        Assert.False(VmSnapshotProbe.Parse("pve1", $"conf\t104\t{B64("name: dsm\n")}\nlist\t0\t{B64(QmList)}\n").Complete);
    }

    [Theory]
    [InlineData("")]
    [InlineData("conf\t\t\nlist\nmdev\t\t\t\n")]
    [InlineData("conf\tx\t%%%\nconf\t-1\tAAAA\nlist\t0\t!!!\nend\tmore\n")]
    [InlineData("\0\t\t\t\n\r\n### absent\n")]
    public void Arbitrary_text_never_throws_and_yields_no_made_up_vm(string output)
    {
        var s = VmSnapshotProbe.Parse("pve1", output);
        Assert.Empty(s.Vms);
        Assert.False(s.Complete);
    }

    [Theory]
    [InlineData("00000000-0000-0000-0000-000000000104", 104)]
    [InlineData("00000002-0000-0000-0000-000000100200", 100200)]
    [InlineData("4b20d080-1b54-4048-85b3-a6a62d165c01", null)]
    [InlineData("0000000a-0000-0000-0000-000000000104", null)]
    [InlineData("00000000-0000-0000-0000-00000000010", null)]
    public void Pve_mdev_uuids_name_their_vm(string uuid, int? vmId) => Assert.Equal(vmId, VmSnapshotProbe.MdevVmId(uuid));
}
