using VgpuIac.Engine.Parsing.Journal;

namespace VgpuIac.Engine.Tests.Parsing.Journal;

/// <summary>The vGPU services' journal and the kernel's NVRM lines → the reasons in the host driver's "Unable to verify" diagnostic.</summary>
public sealed class VgpuManagerReasonsTests
{
    [Fact]
    public void Vgpud_saying_the_gpu_is_not_supported_points_at_vgpu_unlock_and_not_at_systemds_last_line()
    {
        var journal = RealOutputs.Read("vgpu-journal", "vgpu-unlock-rs-29-vgpud-gpu-not-supported.txt");

        var reason = Assert.Single(VgpuManagerReasons.From(journal, null));

        Assert.StartsWith("nvidia-vgpud says the GPU at PCI 0:1:0:0 is not supported by vGPU", reason, StringComparison.Ordinal);
        Assert.Contains("vgpu_unlock", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void An_nvos_error_names_its_status()
    {
        var journal = RealOutputs.Read("vgpu-journal", "dualcoder-1-debian-vgpu-type-50-nvos-0x56.txt");

        Assert.Contains(VgpuManagerReasons.From(journal, null), r => r.Contains("NVOS status 0x56", StringComparison.Ordinal));
    }

    [Fact]
    public void The_kernel_saying_the_driver_does_not_support_the_gpu_is_a_reason()
    {
        var dmesg = RealOutputs.Read("dmesg-nvrm", "flatcar-1283-p40-vgpu-guest-not-supported-535.104.05.txt");

        var reasons = VgpuManagerReasons.From(string.Empty, dmesg);

        Assert.Contains(reasons, r => r.StartsWith("the kernel says the GPU", StringComparison.Ordinal) && r.Contains("install a vGPU host driver release", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.Contains("initialized no GPU", StringComparison.Ordinal));
    }

    [Fact]
    public void A_failed_unit_without_a_cause_in_the_log_says_so()
    {
        const string Journal = """
            Dec 06 04:00:01 pve1 systemd[1]: Starting nvidia-vgpu-mgr.service - NVIDIA vGPU Manager Daemon...
            Dec 06 04:00:01 pve1 systemd[1]: nvidia-vgpu-mgr.service: Main process exited, code=exited, status=1/FAILURE
            Dec 06 04:00:01 pve1 systemd[1]: nvidia-vgpu-mgr.service: Failed with result 'exit-code'.
            """;

        var reason = Assert.Single(VgpuManagerReasons.From(Journal, null));

        Assert.Equal("nvidia-vgpu-mgr.service: Failed with result 'exit-code'. (no cause in the log before it).", reason);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-- No entries --")]
    public void Nothing_known_is_no_reason(string journal) => Assert.Empty(VgpuManagerReasons.From(journal, string.Empty));

    public static TheoryData<string> StatusFiles => RealOutputs.Names("systemctl-vgpu");

    /// <summary>The diagnostic's log is <c>journalctl</c> followed by <c>systemctl status</c>: its journal lines are read too.</summary>
    [Theory]
    [MemberData(nameof(StatusFiles))]
    public void Systemctl_status_output_gives_the_reason_its_journal_lines_hold(string file)
    {
        var reasons = VgpuManagerReasons.From(RealOutputs.Read("systemctl-vgpu", file), null);

        switch (file)
        {
            case "vgpu4nixos-4-vgpu-mgr-failed-rm-client.txt":
                Assert.StartsWith("nvidia-vgpu-mgr could not open the NVIDIA kernel driver", Assert.Single(reasons), StringComparison.Ordinal);
                break;
            case "dualcoder-10-vgpud-inactive-dead-acst.txt":
            case "libvf-io-63-fedora-disable-stop-not-loaded.txt":
            case "vgpu-unlock-rs-31-vgpud-inactive-dead.txt":
                // a one-shot vgpud that ended normally, a unit that is not there: no cause to report
                Assert.Empty(reasons);
                break;
            default:
                Assert.Fail($"no expectation written for systemctl-vgpu/{file}");
                break;
        }
    }
}
