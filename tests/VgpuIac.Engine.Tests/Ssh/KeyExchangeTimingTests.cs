using System.Diagnostics;
using System.Globalization;
using VgpuIac.Engine.Remote;
using VgpuIac.Engine.Ssh;
using Xunit.Abstractions;

namespace VgpuIac.Engine.Tests.Ssh;

/// <summary>Connect + authenticate + first command time by key exchange (medians printed; run with a detailed console logger).</summary>
public sealed class KeyExchangeTimingTests(SshdFixture fixture, ITestOutputHelper output) : IClassFixture<SshdFixture>
{
    private const int Runs = 9;

    [SshdFact]
    public async Task Curve25519_is_negotiated_and_connect_times_are_reported()
    {
        var medians = new Dictionary<string, double>();
        foreach (var (label, preferred) in new[] { ("curve25519-sha256", "curve25519-sha256"), ("SSH.NET default order", (string?)null) })
        {
            var times = new List<double>();
            string? negotiated = null;
            for (var i = 0; i < Runs + 1; i++)
            {
                var sw = Stopwatch.StartNew();
                await using var shell = new SshRemoteShell(fixture.Sshd.Settings(), new RecordingLog(), new SshTransportOptions { PreferredKeyExchange = preferred });
                await shell.ConnectAsync(CancellationToken.None);
                var connected = sw.Elapsed.TotalMilliseconds;
                negotiated = shell.KeyExchangeAlgorithm;
                Assert.True((await shell.RunAsync(RemoteCommand.Of("true"), CancellationToken.None)).Succeeded);
                if (i > 0)
                {
                    times.Add(connected); // the first run warms up the JIT
                }
            }

            times.Sort();
            medians[label] = times[times.Count / 2];
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"kex {label}: negotiated {negotiated}, connect+auth median {times[times.Count / 2]:F1} ms (min {times[0]:F1}, max {times[^1]:F1}, n={times.Count})"));
            if (preferred is not null)
            {
                Assert.Equal(preferred, negotiated);
            }
        }

        Assert.All(medians.Values, m => Assert.InRange(m, 0.1, 10_000));
    }
}
