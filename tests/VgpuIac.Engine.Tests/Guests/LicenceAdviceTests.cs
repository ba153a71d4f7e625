using VgpuIac.Engine.Guests;
using VgpuIac.Engine.Parsing.Licensing;
using VgpuIac.Engine.Tests.Parsing;

namespace VgpuIac.Engine.Tests.Guests;

/// <summary>The licence advice follows the reason of gridd's latest failure (<see cref="GridLog.LastFailure"/>), never systemd's last line.</summary>
public sealed class LicenceAdviceTests
{
    private static string Advice(string log) => LinuxGuestSetup.LicenceAdvice(GridLogParser.Parse(log).Value.LastFailure);

    [Fact]
    public void A_bad_token_whose_log_ends_with_systemds_failure_lines_asks_for_a_new_token()
    {
        const string Log = """
            Mar 31 06:53:50 guest nvidia-gridd[1039]: NLS initialized
            Mar 31 06:53:50 guest nvidia-gridd[1039]: Failed to read configurations from client configuration token
            Mar 31 06:53:50 guest nvidia-gridd[1039]: Failed to setup cloud License Manager: 3
            Mar 31 06:53:50 guest nvidia-gridd[1039]: Shutdown (1039)
            Mar 31 06:53:50 guest systemd[1]: nvidia-gridd.service: Main process exited, code=exited, status=1/FAILURE
            Mar 31 06:53:50 guest systemd[1]: nvidia-gridd.service: Failed with result 'exit-code'.
            """;

        Assert.Equal("The client token is not valid for this licence server (keys changed?): fetch a new token.", Advice(Log));
    }

    [Fact]
    public void The_real_missing_token_log_says_no_token()
    {
        Assert.Equal("No client configuration token was found in the guest.", Advice(RealOutputs.Read("nvidia-gridd", "nrec-gridd-no-client-token.txt")));
    }

    [Fact]
    public void The_real_legacy_log_points_at_gridd_conf()
    {
        Assert.Contains("/etc/nvidia/gridd.conf", Advice(RealOutputs.Read("nvidia-gridd", "azure-docs-32746-legacy-config-not-set.txt")), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Failed to acquire license from 10.0.0.5 (Info: NVIDIA RTX Virtual Workstation - Error: Failure in connecting to license server: HTTP 000)", "cannot reach the licence server")]
    [InlineData("Failed to acquire license from 10.0.0.5 (Info: NVIDIA RTX Virtual Workstation - Error: The allowed time to process response has expired)", "fix the guest's time")]
    [InlineData("Failed to acquire license from 10.0.0.5 (Info: NVIDIA RTX Virtual Workstation - Error: License server returned error: token was issued for another server)", "a token issued by another licence server")]
    [InlineData("Failed to decode signature from token received", "fetch a new token")]
    [InlineData("Failed to acquire license from 10.0.0.5", "Check the licence server's health")]
    public void Each_reason_has_its_advice(string gridd, string expected)
    {
        Assert.Contains(expected, Advice($"Dec 06 05:00:00 guest nvidia-gridd[700]: {gridd}\nDec 06 05:00:00 guest systemd[1]: nvidia-gridd.service: Failed with result 'exit-code'.\n"), StringComparison.Ordinal);
    }

    [Fact]
    public void No_failure_gives_the_general_advice() =>
        Assert.Equal("Check the licence server's health and nvidia-gridd's log in the guest.", LinuxGuestSetup.LicenceAdvice(null));
}
