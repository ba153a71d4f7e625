using System.Diagnostics;
using System.Text.RegularExpressions;
using VgpuIac.NodeSim;

namespace VgpuIac.Terraform.Tests.Bench;

/// <summary>
/// `make bench` is not part of the tests, but a tiny run of the same script is, so it cannot rot: every section must
/// produce its table with measured (non-zero) figures.
/// </summary>
public sealed class BenchSmokeTests
{
    private static string Root()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "scripts", "bench.sh")))
            {
                return d.FullName;
            }
        }

        throw new InvalidOperationException("scripts/bench.sh not found above " + AppContext.BaseDirectory);
    }

    private static string? WhyNot(string root)
    {
        if (NodeHostRequirements.WhyUnavailable() is { } why)
        {
            return why;
        }

        foreach (var artifact in new[] { "artifacts/provider/terraform-provider-vgpu", "artifacts/bench-floor/VgpuIac.BenchFloor", "bench/VgpuIac.Benchmarks/bin/Release/net10.0/VgpuIac.Benchmarks.dll" })
        {
            if (!File.Exists(Path.Combine(root, artifact)))
            {
                return $"{artifact} is missing (make build)";
            }
        }

        return File.Exists("/usr/bin/time") ? null : "/usr/bin/time is missing (apt-get install time)";
    }

    /// <summary>A no-op plan row's counts: SSH connections, the node's own qm/pct processes, the agent calls (per node per plan).</summary>
    private static (double Connections, double NodeQm, double AgentQm) PlanCounts(string md, string title)
    {
        var m = Regex.Match(md, @"^\| " + Regex.Escape(title) + @" \| [^|]+ \| [^|]+ \| [^|]+ \| [0-9]+ \| [0-9]+ \| ([0-9]+\.[0-9]) \| [0-9]+\.[0-9] \| [0-9]+\.[0-9] \| ([0-9]+\.[0-9]) \| ([0-9]+\.[0-9]) \| [0-9]+ \| [0-9]+ \| [0-9]+ \| [0-9]+ \|$", RegexOptions.Multiline);
        Assert.True(m.Success, $"no row \"{title}\" with counts in:\n{md}");
        double N(int group) => double.Parse(m.Groups[group].Value, System.Globalization.CultureInfo.InvariantCulture);
        return (N(1), N(2), N(3));
    }

    [Fact]
    [Trait("Category", "E2E")]
    public async Task Smoke_run_of_make_bench_fills_every_table()
    {
        var root = Root();
        if (WhyNot(root) is { } why)
        {
            Assert.True(Environment.GetEnvironmentVariable("CI") != "true", "bench smoke cannot run in CI: " + why);
            return; // outside CI: nothing to run against (the reason is above)
        }

        var output = Path.Combine(Path.GetTempPath(), $"bench-smoke-{Guid.NewGuid():N}.md");
        var psi = new ProcessStartInfo("bash", [Path.Combine(root, "scripts", "bench.sh")])
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment["BENCH_SMOKE"] = "1";
        psi.Environment["BENCH_OUT"] = output;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(12));
        await p.WaitForExitAsync(cts.Token);
        Assert.True(p.ExitCode == 0, $"bench.sh failed ({p.ExitCode}):\n{await stderr}\n{await stdout}");

        var md = await File.ReadAllTextAsync(output);
        File.Delete(output);
        Assert.Contains("## 1. Start-up", md, StringComparison.Ordinal);
        Assert.Matches(new Regex(@"\| terraform-provider-vgpu \(Native AOT, mTLS\) \| [1-9][0-9]*\.[0-9] \|"), md);
        Assert.Matches(new Regex(@"Provider / floor: \*\*[0-9]+\.[0-9]+x\*\*"), md);
        Assert.Matches(new Regex(@"\| 1 node, driver \+ 3 guests \| [1-9][0-9]*\.[0-9] \|"), md);
        // the quickstart itself, planned again with nothing to do: one SSH connection per plan
        Assert.Matches(new Regex(@"\| the quickstart \([^|]*\) \| [1-9][0-9]*\.[0-9] \| [^|]+ \| [^|]+ \| [0-9]+ \| [0-9]+ \| 1\.0 \|"), md);
        // counts, not times: one SSH connection per node per plan for the guests cases too; the qm/pct processes for what the
        // node knows do not grow with the number of guests (one snapshot per node), the agent calls grow with the guests that run
        var one = PlanCounts(md, "1 node, driver + 1 guests");
        var three = PlanCounts(md, "1 node, driver + 3 guests");
        Assert.Equal(1.0, one.Connections);
        Assert.Equal(1.0, three.Connections);
        Assert.True(one.NodeQm > 0, "the node's own qm/pct processes were counted");
        Assert.Equal(one.NodeQm, three.NodeQm);
        Assert.True(one.AgentQm > 0, "the running guests' agents were asked");
        Assert.Equal(3 * one.AgentQm, three.AgentQm);
        Assert.Contains("qm/pct processes per node per plan, what the node knows", md, StringComparison.Ordinal);
        // the Go baseline (when Go and go-plugin's sources are installed) measured the same launches; VgpuIac exited on its own
        if (md.Contains("Go provider median ms", StringComparison.Ordinal))
        {
            Assert.Matches(new Regex(@"\| exec to handshake line \| [0-9.]+ \|.*\*\*[0-9]+\.[0-9]+x\*\* \|"), md);
            // and the first RPC answered, which a handshake printed before the server serves cannot flatter
            Assert.Matches(new Regex(@"\| exec to first RPC answered \(health Check, mTLS\) \| [0-9.]+ \|.*\*\*[0-9]+\.[0-9]+x\*\* \|"), md);
            Assert.Matches(new Regex(@"exited on its own after Shutdown in ([0-9]+) of \1 launches"), md);
        }
        else
        {
            Assert.Contains("Go baseline not measured", md, StringComparison.Ordinal);
        }

        Assert.Contains("| VgpuIac (terraform apply) |", md, StringComparison.Ordinal);
        // counts, not times: a no-op apply of the host config is one SSH connection and one command per resource read
        // (vgpu_unlock's probe, vgpu_profile_override's file and restart check); the bash floor one connection, one command
        Assert.Matches(new Regex(@"\| VgpuIac \(terraform apply\) \| [^|]+ \| [^|]+ \| [^|]+ \| [^|]+ \| 1\.00 \| 1\.0 \| 2\.0 \|"), md);
        Assert.Matches(new Regex(@"\| bash floor: one SSH connection, the same checks, changes nothing \| n/a \| [^|]+ \| [^|]+ \| [^|]+ \| [^|]+ \| 1\.0 \| 1\.0 \|"), md);
        Assert.Contains("yes: plan shows the change", md, StringComparison.Ordinal);
        // the bash floor agreed the converged node needs nothing (else the bench stops) and saw the hand edit
        Assert.Contains("| bash floor: one SSH connection, the same checks, changes nothing |", md, StringComparison.Ordinal);
        Assert.Contains("yes: reports it", md, StringComparison.Ordinal);
        Assert.Matches(new Regex(@"No-op apply vs the bash floor: \*\*[0-9]+\.[0-9]+x\*\*"), md);
        Assert.Contains("no: plan says no changes", md, StringComparison.Ordinal);
        Assert.Contains("MsgpackDecodeGuest", md, StringComparison.Ordinal);
    }
}
