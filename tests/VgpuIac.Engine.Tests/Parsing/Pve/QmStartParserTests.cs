using VgpuIac.Engine.Parsing.Pve;

namespace VgpuIac.Engine.Tests.Parsing.Pve;

public sealed class QmStartParserTests
{
    private const string Kind = "qm-start";

    public static TheoryData<string> Files => RealOutputs.Names(Kind);

    [Theory]
    [MemberData(nameof(Files))]
    public void Reads_every_real_sample(string file)
    {
        var r = QmStartParser.Parse(RealOutputs.Read(Kind, file)).Value;
        Assert.True(r.Failed);
        Assert.Equal("start failed: QEMU exited with code 1", r.TaskError);
        switch (file)
        {
            case "dualcoder-57-gtx970-iommu-group-io-error.txt":
                Assert.Equal(QmStartIssueKind.VfioGroupError, r.PrimaryFailure);
                Assert.Equal("00000000-0000-0000-0000-000000000100", r.Issues[0].MdevUuid);
                Assert.Equal([QmStartIssueKind.VfioGroupError, QmStartIssueKind.VfioGroupError, QmStartIssueKind.TaskError], r.Issues.Select(i => i.Kind));
                break;
            case "vgpu-unlock-rs-6-bad-address.txt":
                Assert.Equal(QmStartIssueKind.VfioConfigSpaceError, r.PrimaryFailure);
                Assert.Equal([QmStartIssueKind.MdevReused, QmStartIssueKind.Warning, QmStartIssueKind.VfioConfigSpaceError, QmStartIssueKind.TaskError], r.Issues.Select(i => i.Kind));
                Assert.Equal("00000000-0000-0000-0000-000000000100", r.Issues[0].MdevUuid);
                break;
            default:
                Assert.Fail($"no expectation written for {Kind}/{file}");
                break;
        }
    }

    [Fact]
    public void Successful_start_and_q35()
    {
        Assert.False(QmStartParser.Parse("").Value.Failed);
        Assert.False(QmStartParser.Parse("mdev instance '00000000-0000-0000-0000-000000000104' already existed, using it.\n").Value.Failed);
        var q = QmStartParser.Parse("q35 machine model is not enabled at /usr/share/perl5/PVE/QemuServer/PCI.pm line 600.\n").Value;
        Assert.Equal(QmStartIssueKind.Q35Required, q.PrimaryFailure);
    }
}
