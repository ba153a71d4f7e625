using System.Text.Json;
using VgpuIac.Engine.Guests;
using VgpuIac.Engine.Tests.Parsing;

namespace VgpuIac.Engine.Tests.Guests;

/// <summary>
/// What the Linux guest probe prints (key=value facts, then nvidia-smi -q) read back by <see cref="GuestNodeState"/>:
/// the licence status comes from the same nvidia-smi -q parser that reads Windows guests, for every real sample.
/// </summary>
public sealed class GuestProbeParsingTests
{
    private static GuestNodeState ParseLinux(string probeOut) =>
        GuestNodeState.Parse("### config\nostype: l26\n### status\nstatus: running\n### guest\n"
            + $"{{\n   \"exitcode\" : 0,\n   \"exited\" : 1,\n   \"out-data\" : {JsonSerializer.Serialize(probeOut)}\n}}\n### end\n");

    [Theory]
    [MemberData(nameof(LicenceSamples))]
    public void The_licence_status_of_every_real_sample_is_read(string name)
    {
        var sample = RealOutputs.Read("nvidia-smi-q-license", name);
        var state = ParseLinux($"driver_version=535.129.03\nnouveau_loaded=0\nnouveau_blacklisted=1\n--- nvidia-smi -q\n{sample}");
        Assert.Equal("535.129.03", state.GuestValue("driver_version"));
        var status = state.GuestValue("license_status");
        Assert.NotNull(status);
        Assert.Matches("^(Licensed|Unlicensed|N/A)", status);
    }

    [Theory]
    [MemberData(nameof(LicenceSamples))]
    public void The_driver_version_is_read_from_nvidia_smi_q_which_the_probe_runs_once(string name)
    {
        var sample = RealOutputs.Read("nvidia-smi-q-license", name);
        var printed = System.Text.RegularExpressions.Regex.Match(sample, @"^Driver Version\s*:\s*(\S+)", System.Text.RegularExpressions.RegexOptions.Multiline);

        var state = ParseLinux($"nouveau_loaded=0\nnouveau_blacklisted=1\n--- nvidia-smi -q\n{sample}");

        // a sample cut down to its licence lines (a user's grep) has no version to give
        Assert.Equal(printed.Success ? printed.Groups[1].Value : null, state.GuestValue("driver_version"));
        // runs of nvidia-smi in the probe (a command at the start of a line, after ; or in $(...)), not the section marker
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(GuestScripts.GuestProbe, @"(^|;|\$\()\s*nvidia-smi ", System.Text.RegularExpressions.RegexOptions.Multiline));
    }

    public static TheoryData<string> LicenceSamples() => RealOutputs.Names("nvidia-smi-q-license");

    [Fact]
    public void A_guest_without_a_driver_has_no_status_and_no_version()
    {
        var state = ParseLinux("driver_version=\nnouveau_loaded=1\nnouveau_blacklisted=0\n--- nvidia-smi -q\n");
        Assert.NotNull(state.Guest);
        Assert.Null(state.GuestValue("driver_version"));
        Assert.Null(state.GuestValue("license_status"));
        Assert.Equal("1", state.GuestValue("nouveau_loaded"));
    }
}
