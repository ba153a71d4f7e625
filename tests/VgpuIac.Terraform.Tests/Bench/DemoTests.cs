using System.Diagnostics;
using VgpuIac.NodeSim;

namespace VgpuIac.Terraform.Tests.Bench;

/// <summary>
/// The README's first command, `make demo`, as a test: the quickstart (vgpu_node, vgpu_host_driver,
/// vgpu_profile_override, vgpu_dls_license_server, vgpu_guest) through the real terraform CLI and the shipped binary —
/// apply, a licensed guest, an empty second plan, destroy.
/// </summary>
public sealed class DemoTests
{
    [Fact]
    [Trait("Category", "E2E")]
    public async Task Make_demo_applies_the_quickstart_and_the_second_plan_is_empty()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "scripts", "demo.sh")))
        {
            root = root.Parent;
        }

        Assert.NotNull(root);
        var why = NodeHostRequirements.WhyUnavailable()
            ?? (File.Exists(Path.Combine(root.FullName, "artifacts/provider/terraform-provider-vgpu")) ? null : "artifacts/provider is missing (make provider)");
        if (why is not null)
        {
            Assert.True(Environment.GetEnvironmentVariable("CI") != "true", "the demo cannot run in CI: " + why);
            return; // outside CI: the reason is above
        }

        var psi = new ProcessStartInfo("bash", [Path.Combine(root.FullName, "scripts", "demo.sh")])
        {
            WorkingDirectory = root.FullName,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await p.WaitForExitAsync(cts.Token);
        var output = await stdout + await stderr;
        Assert.True(p.ExitCode == 0, "make demo failed:\n" + output);
        Assert.Contains("Installed vgpuiac/vgpu v", output, StringComparison.Ordinal);
        Assert.DoesNotContain("no such host", output, StringComparison.Ordinal);
        Assert.DoesNotContain("development overrides are in effect", output, StringComparison.Ordinal);
        Assert.Contains("Apply complete! Resources: 4 added", output, StringComparison.Ordinal);
        Assert.Contains("License Status                    : Licensed (Expiry:", output, StringComparison.Ordinal);
        Assert.Contains("No changes. Your infrastructure matches the configuration.", output, StringComparison.Ordinal);
        Assert.Contains("Destroy complete! Resources: 4 destroyed.", output, StringComparison.Ordinal);
    }
}
