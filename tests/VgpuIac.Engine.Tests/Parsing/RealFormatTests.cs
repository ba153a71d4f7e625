using VgpuIac.Engine.Parsing.Licensing;
using VgpuIac.Engine.Parsing.NvidiaSmi;
using VgpuIac.Engine.Parsing.NvidiaSmi.Vgpu;
using VgpuIac.Engine.Parsing.Pve;

namespace VgpuIac.Engine.Tests.Parsing;

/// <summary>
/// Formats real nodes print that the parsers once missed (issue 14), each built from a sample under
/// <c>Fixtures/real-outputs</c> or a faithful variant of one.
/// </summary>
public sealed class RealFormatTests
{
    private const string VgpuKind = "nvidia-smi-vgpu";
    private const string Query580 = "bigstack-fixture-rtxpro6000-blackwell-vgpu-q-two-instances.txt";

    [Fact]
    public void Vgpu_query_580_has_placement_id_no_mdev_line_and_na_licence_before_the_guest_driver()
    {
        var r = NvidiaSmiVgpuQueryParser.Parse(RealOutputs.Read(VgpuKind, Query580));

        Assert.True(r.IsComplete, string.Join("; ", r.Warnings));
        var vgpus = Assert.Single(r.Value).Vgpus;
        Assert.Equal(["0", "3"], vgpus.Select(v => v.PlacementId));
        Assert.All(vgpus, v => Assert.Null(v.MdevUuid));
        Assert.Equal(["c47a3625-859f-11f1-84fe-7572c7d51d3e", "094593d6-85a0-11f1-802e-72c7d51d3e72"], vgpus.Select(v => v.VgpuUuid));
        var noDriver = vgpus[0].LicenceStatus!;
        Assert.Equal((LicenceState.NotAvailable, (DateTimeOffset?)null, false), (noDriver.State, noDriver.Expiry, noDriver.IsLicensed));
        Assert.Equal("N/A (Expiry: N/A)", noDriver.Text);
    }

    [Fact]
    public void Vgpu_query_keeps_the_vgpu_uuid_apart_from_the_mdev_uuid_and_reads_an_unpadded_expiry()
    {
        // the 580 sample as an mdev-era driver prints it: an MDEV UUID line (the mdev PVE created) after the vGPU UUID
        var text = RealOutputs.Read(VgpuKind, Query580)
            .Replace(
                "        vGPU UUID                         : 094593d6-85a0-11f1-802e-72c7d51d3e72\n",
                "        vGPU UUID                         : 094593d6-85a0-11f1-802e-72c7d51d3e72\n        MDEV UUID                         : 00000000-0000-0000-0000-000000000105\n",
                StringComparison.Ordinal)
            .Replace("Unlicensed (Unrestricted)", "Licensed (Expiry: 2022-5-27 0:8:28 GMT)", StringComparison.Ordinal);

        var v = NvidiaSmiVgpuQueryParser.Parse(text).Value[0].Vgpus[1];

        Assert.Equal("094593d6-85a0-11f1-802e-72c7d51d3e72", v.VgpuUuid);
        Assert.Equal("00000000-0000-0000-0000-000000000105", v.MdevUuid);
        Assert.True(v.LicenceStatus!.IsLicensed);
        Assert.Equal(new DateTimeOffset(2022, 5, 27, 0, 8, 28, TimeSpan.Zero), v.LicenceStatus.Expiry);
    }

    [Fact]
    public void Qm_start_on_the_command_line_ends_with_start_failed_like_the_task_log()
    {
        // the real task log without the task's "TASK ERROR: " prefix: what 'qm start 104' prints in a shell
        var taskLog = RealOutputs.Read("qm-start", "dualcoder-57-gtx970-iommu-group-io-error.txt");
        var cli = taskLog.Replace("TASK ERROR: start failed", "start failed", StringComparison.Ordinal);
        Assert.NotEqual(taskLog, cli);

        var fromTask = QmStartParser.Parse(taskLog).Value;
        var fromCli = QmStartParser.Parse(cli).Value;

        Assert.Equal("start failed: QEMU exited with code 1", fromCli.TaskError);
        Assert.True(fromCli.Failed);
        Assert.Equal(fromTask.TaskError, fromCli.TaskError);
        Assert.Equal(fromTask.Issues.Select(i => i.Kind), fromCli.Issues.Select(i => i.Kind));
        Assert.Equal(QmStartIssueKind.VfioGroupError, fromCli.PrimaryFailure);
        Assert.Equal(QmStartIssueKind.TaskError, fromCli.Issues[^1].Kind);
    }

    /// <summary>
    /// <c>systemctl status nvidia-gridd</c>'s journal part from a public report (Ubuntu guest, 2025-03-31, bad token),
    /// as less showed it: the long "Failed to read configurations" line is chopped with <c>&gt;</c>.
    /// </summary>
    private const string BadTokenJournal = """
        Mar 31 06:53:49 carlab systemd[1]: Started NVIDIA Grid Daemon.
        Mar 31 06:53:50 carlab nvidia-gridd[1039]: vGPU Software package (0)
        Mar 31 06:53:50 carlab nvidia-gridd[1039]: Ignore service provider and node-locked licensing
        Mar 31 06:53:50 carlab nvidia-gridd[1039]: NLS initialized
        Mar 31 06:53:50 carlab nvidia-gridd[1039]: Failed to decode signature from token received
        Mar 31 06:53:50 carlab nvidia-gridd[1039]: Failed to read configurations from client configuration token (Error: >
        Mar 31 06:53:50 carlab nvidia-gridd[1039]: Failed to setup cloud License Manager: 3
        Mar 31 06:53:50 carlab nvidia-gridd[1039]: Shutdown (1039)
        Mar 31 06:53:50 carlab systemd[1]: nvidia-gridd.service: Main process exited, code=exited, status=1/FAILURE
        Mar 31 06:53:50 carlab systemd[1]: nvidia-gridd.service: Failed with result 'exit-code'.
        lines 1-17/17 (END)
        """;

    [Fact]
    public void Gridd_bad_token_reason_comes_from_gridd_not_from_systemd()
    {
        var r = GridLogParser.Parse(BadTokenJournal);
        var log = r.Value;

        Assert.Equal(10, log.Events.Length); // less's "(END)" status is not an event
        Assert.Equal(GridLogEventKind.Started, log.Events[0].Kind);
        Assert.Equal([GridLogEventKind.Stopped, GridLogEventKind.ServiceManager, GridLogEventKind.ServiceManager], log.Events[^3..].Select(e => e.Kind));
        Assert.All(log.Events[^2..], e => Assert.Null(e.Reason));
        var failure = log.LastFailure!;
        Assert.Equal(GridFailureReason.BadClientToken, failure.Reason);
        Assert.EndsWith("Failed to decode signature from token received", failure.Line, StringComparison.Ordinal);
        Assert.Equal([GridFailureReason.BadClientToken, GridFailureReason.BadClientToken, GridFailureReason.Unknown], log.Events.Where(e => e.Kind == GridLogEventKind.Failure).Select(e => e.Reason!.Value));
        Assert.False(log.EndsLicensed);

        // the chopped line is said, the complete "(END)" is not
        Assert.True(r.Truncated);
        Assert.Contains(r.Warnings, w => w.Contains("(Error: >", StringComparison.Ordinal));
        Assert.DoesNotContain(r.Warnings, w => w.Contains("(END)", StringComparison.Ordinal));
    }

    [Fact]
    public void Gridd_bad_token_without_the_signature_line_still_reads_as_a_bad_token()
    {
        const string log = """
            Mar 31 06:53:50 guest nvidia-gridd[1039]: NLS initialized
            Mar 31 06:53:50 guest nvidia-gridd[1039]: Failed to read configurations from client configuration token
            Mar 31 06:53:50 guest nvidia-gridd[1039]: Failed to setup cloud License Manager: 3
            Mar 31 06:53:50 guest nvidia-gridd[1039]: Shutdown (1039)
            Mar 31 06:53:50 guest systemd[1]: nvidia-gridd.service: Main process exited, code=exited, status=1/FAILURE
            Mar 31 06:53:50 guest systemd[1]: nvidia-gridd.service: Failed with result 'exit-code'.
            """;

        var r = GridLogParser.Parse(log);

        Assert.True(r.IsComplete, string.Join("; ", r.Warnings));
        Assert.Equal(GridFailureReason.BadClientToken, r.Value.LastFailure!.Reason);
        Assert.Contains("Failed to read configurations", r.Value.LastFailure.Line, StringComparison.Ordinal);
    }

    [Fact]
    public void Gridd_log_of_systemd_lines_only_has_no_licence_failure()
    {
        const string log = """
            Mar 31 06:53:50 guest systemd[1]: nvidia-gridd.service: Main process exited, code=exited, status=1/FAILURE
            Mar 31 06:53:50 guest systemd[1]: nvidia-gridd.service: Failed with result 'exit-code'.
            Mar 31 06:53:50 guest systemd[1]: Failed to start NVIDIA Grid Daemon.
            """;

        var log2 = GridLogParser.Parse(log).Value;

        Assert.Null(log2.LastFailure);
        Assert.All(log2.Events, e => Assert.Equal(GridLogEventKind.ServiceManager, e.Kind));
    }

    [Fact]
    public void Gridd_later_classified_failure_wins_over_an_earlier_one()
    {
        // the real legacy-config sample: "not set" first, "Invalid feature type requested" last: the last reason stands
        var log = GridLogParser.Parse(RealOutputs.Read("nvidia-gridd", "azure-docs-32746-legacy-config-not-set.txt")).Value;

        Assert.Equal(GridFailureReason.InvalidFeatureType, log.LastFailure!.Reason);
    }
}
