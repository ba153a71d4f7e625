using VgpuIac.Engine.Parsing.Licensing;

namespace VgpuIac.Engine.Tests.Parsing.Licensing;

public sealed class GridLogParserTests
{
    private const string Kind = "nvidia-gridd";

    public static TheoryData<string> Files => RealOutputs.Names(Kind);

    [Theory]
    [MemberData(nameof(Files))]
    public void Reads_every_real_sample(string file)
    {
        var r = GridLogParser.Parse(RealOutputs.Read(Kind, file));
        var log = r.Value;
        switch (file)
        {
            case "azure-docs-32746-legacy-config-not-set.txt":
                Assert.Equal(5, log.Events.Length);
                Assert.Equal(GridLogEventKind.Started, log.Events[0].Kind);
                Assert.Equal(GridFailureReason.ConfigurationMissing, log.Events[1].Reason);
                Assert.Equal(GridFailureReason.InvalidFeatureType, log.LastFailure!.Reason);
                Assert.False(log.EndsLicensed);
                break;
            case "fastapi-dls-mirror-3-win10-17.0-not-licensed.txt":
                Assert.Equal(6, log.Events.Length);
                Assert.All(log.Events, e => Assert.Equal(1, e.Instance));
                Assert.Equal("Mon Apr 22 22:12:38 2024", log.Events[0].Timestamp);
                Assert.Equal(GridLogEventKind.NotLicensed, log.Events[1].Kind);
                Assert.Null(log.LastAcquired);
                Assert.False(log.EndsLicensed);
                break;
            case "fastapi-dls-readme-windows-nginx-returned.txt":
                Assert.Equal(10, log.Events.Length);
                Assert.Null(log.Events[0].Timestamp);
                Assert.Equal([1, 2, 1, 1, 2, 2, 2, 1, 0, 0], log.Events.Select(e => e.Instance!.Value));
                var acquired = log.Events[3];
                Assert.Equal(("192.168.178.33", "NVIDIA RTX Virtual Workstation"), (acquired.Server, acquired.Product));
                Assert.Equal(new DateTimeOffset(2023, 1, 4, 16, 48, 20, TimeSpan.Zero), acquired.Expiry);
                Assert.True(log.LastAcquired!.FromTrustedStore);
                Assert.Equal(GridLogEventKind.Returned, log.Events[8].Kind);
                Assert.Equal("192.168.178.33", log.Events[8].Server);
                Assert.Equal(GridLogEventKind.Stopped, log.Events[9].Kind);
                Assert.True(log.EndsLicensed);
                break;
            case "fastapi-dls-readme-windows-two-display-containers.txt":
                Assert.True(log.EndsLicensed);
                Assert.Equal(new DateTimeOffset(2022, 12, 21, 16, 25, 16, TimeSpan.Zero), log.LastAcquired!.Expiry);
                Assert.Equal(2, log.LastAcquired.Instance);
                Assert.Equal(2, log.Events.Count(e => e.Kind == GridLogEventKind.Acquired));
                break;
            case "greendamtan-fnos-p4-gridd-started-acquired.txt":
                Assert.True(r.IsComplete);
                Assert.Equal(
                    [GridLogEventKind.Started, GridLogEventKind.Other, GridLogEventKind.Other, GridLogEventKind.NlsInitialized, GridLogEventKind.Acquiring, GridLogEventKind.Acquired],
                    log.Events.Select(e => e.Kind));
                Assert.Equal(("192.168.9.136", "NVIDIA RTX Virtual Workstation"), (log.Events[4].Server, log.Events[4].Product));
                Assert.Equal(new DateTimeOffset(2025, 4, 22, 11, 18, 43, TimeSpan.Zero), log.LastAcquired!.Expiry);
                Assert.Equal("Jan 22 19:18:43", log.LastAcquired.Timestamp);
                Assert.True(log.EndsLicensed);
                break;
            case "nrec-gridd-acquired-license-server.txt":
                Assert.Equal("lisens88.uib.no", log.LastAcquired!.Server);
                Assert.Equal(new DateTimeOffset(2024, 10, 19, 7, 3, 42, TimeSpan.Zero), log.LastAcquired.Expiry);
                break;
            case "nrec-gridd-no-client-token.txt":
                var failure = Assert.Single(log.Events);
                Assert.Equal(GridLogEventKind.Failure, failure.Kind);
                Assert.Equal(GridFailureReason.NoClientToken, failure.Reason);
                break;
            default:
                Assert.Fail($"no expectation written for {Kind}/{file}");
                break;
        }
    }

    [Theory]
    [InlineData("Oct 18 07:03:40 vm nvidia-gridd[1]: Failed to decode signature from token received", GridFailureReason.BadClientToken)]
    [InlineData("Oct 18 07:03:40 vm nvidia-gridd[1]: Failed to acquire license from 10.0.0.5 (Info: NVIDIA RTX Virtual Workstation - Error: Couldn't connect to server)", GridFailureReason.ServerUnreachable)]
    [InlineData("Oct 18 07:03:40 vm nvidia-gridd[1]: Failed to acquire license from 10.0.0.5 (Info: x - Error: server returned an error: 500)", GridFailureReason.ServerError)]
    [InlineData("<1>:Failed to acquire license: client clock is not in sync with the server", GridFailureReason.ClockSkew)]
    public void Failure_reasons(string line, GridFailureReason reason)
    {
        var e = Assert.Single(GridLogParser.Parse(line).Value.Events);
        Assert.Equal(GridLogEventKind.Failure, e.Kind);
        Assert.Equal(reason, e.Reason);
        Assert.Equal(line, e.Line);
    }
}
