using VgpuIac.NodeSim;
using VgpuIac.Terraform.Tests.Support;

namespace VgpuIac.Terraform.Tests.EndToEnd;

/// <summary>
/// <c>vgpu_host_driver</c>'s whole life through the real terraform CLI against two simulated nodes: install, an empty
/// second plan, an in-place upgrade to another driver version, drift (service stopped by hand), replacement onto the
/// other node (<c>node</c> forces replacement), <c>terraform import</c> and an <c>import</c> block, destroy.
/// </summary>
[Trait("Category", "E2E")]
public sealed class HostDriverLifecycleTests : IDisposable
{
    private const string Address = "vgpu_host_driver.d";
    private const string OldVersion = "535.129.03";
    private const string NewVersion = "535.154.02";

    private readonly TerraformLifecycle _tf = new();
    private readonly string _files = Directory.CreateTempSubdirectory("vgpu-tf-hd-").FullName;

    private string Installer(string version)
    {
        var dir = Path.Combine(_files, version);
        Directory.CreateDirectory(dir);
        return FakeInstaller.Write(dir, version);
    }

    private static string Config(string provider, string node, string installer) => provider + $$"""
        resource "vgpu_host_driver" "d" {
          node             = "{{node}}"
          installer_source = "{{installer}}"
          reboot_timeout   = "2m"
        }
        """;

    private static async Task<string?> InstalledVersionAsync(SimulatedNode node)
    {
        var r = await node.ExecAsync("cat /var/lib/nodesim/driver/installed_version 2>/dev/null");
        return r.ExitCode == 0 && r.StandardOutput.Trim() is { Length: > 0 } v ? v : null;
    }

    [NodeFact]
    public async Task Host_driver_lives_a_whole_life_through_the_terraform_cli()
    {
        Assert.True(TerraformCli.Available, "terraform must be on PATH for the end-to-end tests");
        if (await SimulatedNodes.StartOrExplainAsync(new NodeOptions { Hostname = "pve1", RebootDelay = 0.5 }) is not { } pve1)
        {
            return;
        }

        await using (pve1)
        {
            await using var pve2 = (await SimulatedNodes.StartOrExplainAsync(new NodeOptions { Hostname = "pve2", RebootDelay = 0.5 }))!;
            var provider = ProviderHcl.For(("pve1", pve1), ("pve2", pve2));
            var oldInstaller = Installer(OldVersion);
            var newInstaller = Installer(NewVersion);

            // create: prerequisites, reboots, install; vGPU types offered
            _tf.WriteConfig(Config(provider, "pve1", oldInstaller));
            await _tf.ApplyAsync();
            Assert.Equal(OldVersion, await InstalledVersionAsync(pve1));
            Assert.Contains("GRID P40-1Q", await pve1.ExecCheckedAsync("mdevctl types"), StringComparison.Ordinal);
            Assert.Null(await InstalledVersionAsync(pve2));

            await _tf.AssertNoChangesAsync("second plan after create");

            // in-place update: another installer is another driver version
            _tf.WriteConfig(Config(provider, "pve1", newInstaller));
            var update = await _tf.PlanWithChangesAsync();
            Assert.Contains("update in-place", update, StringComparison.Ordinal);
            Assert.DoesNotContain("must be replaced", update, StringComparison.Ordinal);
            await _tf.ApplyAsync();
            Assert.Equal(NewVersion, await InstalledVersionAsync(pve1));
            await _tf.AssertNoChangesAsync("plan after the upgrade");

            // drift: the vGPU manager stopped by hand is seen (health degraded) and started again by apply
            await pve1.ExecCheckedAsync("systemctl stop nvidia-vgpu-mgr.service");
            var drift = await _tf.DriftAsync();
            Assert.Contains("degraded", drift, StringComparison.Ordinal);
            await _tf.PlanWithChangesAsync();
            await _tf.ApplyAsync();
            Assert.Equal("active", (await pve1.ExecAsync("systemctl is-active nvidia-vgpu-mgr.service")).StandardOutput.Trim());
            await _tf.AssertNoChangesAsync("plan after repairing the drift");

            // replacement: another node
            _tf.WriteConfig(Config(provider, "pve2", newInstaller));
            var replace = await _tf.PlanWithChangesAsync();
            Assert.Contains("must be replaced", replace, StringComparison.Ordinal);
            Assert.Contains("forces replacement", replace, StringComparison.Ordinal);
            await _tf.ApplyAsync();
            Assert.Equal(NewVersion, await InstalledVersionAsync(pve2));
            Assert.NotEqual(0, (await pve1.ExecAsync("test -e /usr/bin/nvidia-vgpu-mgr")).ExitCode);
            await _tf.AssertNoChangesAsync("plan after the replacement");

            // terraform import, then an import block (import id: the node name)
            var config = Config(provider, "pve2", newInstaller);
            string[] configOnly = ["installer_source", "reboot_timeout"];
            var bootsBeforeImport = pve2.BootCount;
            var mark = await pve2.CommandLogMarkAsync();
            await _tf.ReimportWithCliAsync(Address, "pve2");
            await _tf.AssertImportNeedsAtMostAsync(Address, configOnly);
            await _tf.ApplyAsync();
            await _tf.AssertNoChangesAsync("plan after terraform import and apply");
            await _tf.ReimportWithBlockAsync(config, Address, "pve2", configOnly);
            await _tf.AssertNoChangesAsync("plan after an import block");
            await NodeChanges.AssertNoneSinceAsync(pve2, mark, "importing an installed driver must not touch it");
            Assert.Equal(bootsBeforeImport, pve2.BootCount);
            Assert.Equal(NewVersion, await InstalledVersionAsync(pve2));

            // destroy uninstalls
            await _tf.DestroyAsync();
            Assert.NotEqual(0, (await pve2.ExecAsync("test -e /usr/bin/nvidia-vgpu-mgr")).ExitCode);
            Assert.NotEqual(0, (await pve2.ExecAsync("test -e /var/lib/vgpu-iac/host-driver.env")).ExitCode);
        }
    }

    public void Dispose()
    {
        _tf.Dispose();
        Directory.Delete(_files, recursive: true);
    }
}
