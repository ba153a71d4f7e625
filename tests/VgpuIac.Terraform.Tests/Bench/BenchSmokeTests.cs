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
        Assert.Matches(new Regex(@"\| 1 node, driver \+ 2 guests \| [1-9][0-9]*\.[0-9] \|"), md);
        // the quickstart itself, planned again with nothing to do: one SSH connection per plan
        Assert.Matches(new Regex(@"\| the quickstart \([^|]*\) \| [1-9][0-9]*\.[0-9] \| [^|]+ \| [^|]+ \| [0-9]+ \| [0-9]+ \| 1\.0 \|"), md);
        // counts, not times: one SSH connection per node per plan for the guests case too, and the qm/pct processes counted
        Assert.Matches(new Regex(@"\| 1 node, driver \+ 2 guests \| [^|]+ \| [^|]+ \| [^|]+ \| [0-9]+ \| [0-9]+ \| 1\.0 \| [0-9]+\.[0-9] \| [0-9]+\.[0-9] \| [0-9]+\.[0-9] \|"), md);
        Assert.Contains("qm/pct processes per node per plan", md, StringComparison.Ordinal);
        // the Go baseline (when Go and go-plugin's sources are installed) measured the same launches; VgpuIac exited on its own
        if (md.Contains("Go provider median ms", StringComparison.Ordinal))
        {
            Assert.Matches(new Regex(@"\| exec to handshake line \| [0-9.]+ \|.*\*\*[0-9]+\.[0-9]+x\*\* \|"), md);
            Assert.Matches(new Regex(@"exited on its own after Shutdown in ([0-9]+) of \1 launches"), md);
        }
        else
        {
            Assert.Contains("Go baseline not measured", md, StringComparison.Ordinal);
        }

        Assert.Contains("| VgpuIac (terraform apply) |", md, StringComparison.Ordinal);
        Assert.Contains("yes: plan shows the change", md, StringComparison.Ordinal);
        // the bash floor agreed the converged node needs nothing (else the bench stops) and saw the hand edit
        Assert.Contains("| bash floor: one SSH connection, the same checks, changes nothing |", md, StringComparison.Ordinal);
        Assert.Contains("yes: reports it", md, StringComparison.Ordinal);
        Assert.Matches(new Regex(@"No-op apply vs the bash floor: \*\*[0-9]+\.[0-9]+x\*\*"), md);
        Assert.Contains("no: plan says no changes", md, StringComparison.Ordinal);
        Assert.Contains("MsgpackDecodeGuest", md, StringComparison.Ordinal);
    }
}
