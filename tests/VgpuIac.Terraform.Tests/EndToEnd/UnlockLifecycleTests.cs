using System.Security.Cryptography;
using VgpuIac.NodeSim;
using VgpuIac.Terraform.Tests.Support;

namespace VgpuIac.Terraform.Tests.EndToEnd;

/// <summary>
/// <c>vgpu_unlock</c>'s whole life through the real terraform CLI against a simulated node with a GeForce GTX 1080 and
/// the host driver installed by hand: the library and drop-ins land and vGPU types appear, the second plan is empty,
/// <c>unlock_migration</c> changes in place, a drop-in removed by hand is seen and restored, a new
/// <c>library_path</c> replaces the resource, <c>terraform import</c> and an <c>import</c> block, destroy cleans up.
/// </summary>
[Trait("Category", "E2E")]
public sealed class UnlockLifecycleTests : IDisposable
{
    private const string Address = "vgpu_unlock.u";
    private const string DefaultLibrary = "/opt/vgpu_unlock-rs/target/release/libvgpu_unlock_rs.so";
    private const string MovedLibrary = "/opt/vgpu-unlock/libvgpu_unlock_rs.so";
    private const string MgrDropIn = "/etc/systemd/system/nvidia-vgpu-mgr.service.d/vgpu_unlock.conf";
    private const string ConfigToml = "/etc/vgpu_unlock/config.toml";

    private readonly TerraformLifecycle _tf = new();
    private readonly string _library = Path.Combine(Path.GetTempPath(), $"libvgpu_unlock_rs-{Guid.NewGuid():N}.so");

    private string Config(string provider, bool migration, string? libraryPath = null) => provider + $$"""
        resource "vgpu_unlock" "u" {
          node             = "pve1"
          library_source   = "{{_library}}"
          unlock_migration = {{(migration ? "true" : "false")}}
          {{(libraryPath is null ? "" : $"library_path     = \"{libraryPath}\"")}}
        }
        """;

    private static async Task<bool> ExistsAsync(SimulatedNode node, string path) => (await node.ExecAsync($"test -e '{path}'")).ExitCode == 0;

    [NodeFact]
    public async Task Unlock_lives_a_whole_life_through_the_terraform_cli()
    {
        Assert.True(TerraformCli.Available, "terraform must be on PATH for the end-to-end tests");
        var options = new NodeOptions { Hostname = "pve1", RebootDelay = 0.5, Gpus = [new GpuDevice("0000:01:00.0", "gtx-1080")] };
        if (await SimulatedNodes.StartOrExplainAsync(options) is not { } node)
        {
            return;
        }

        await using (node)
        {
            await HandMadeNode.InstallHostDriverAsync(node);
            Assert.DoesNotContain("GRID P40-1Q", await node.ExecCheckedAsync("mdevctl types"), StringComparison.Ordinal);
            await File.WriteAllBytesAsync(_library, [.. "\u007fELF fake vgpu_unlock-rs "u8.ToArray(), .. RandomNumberGenerator.GetBytes(4096)]);
            var sha = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(_library)));
            var provider = ProviderHcl.For(("pve1", node));

            // create: library, drop-ins, config.toml; the services load it and the GTX 1080 offers vGPU types
            _tf.WriteConfig(Config(provider, migration: false));
            await _tf.ApplyAsync();
            Assert.StartsWith(sha, await node.ExecCheckedAsync($"sha256sum {DefaultLibrary}"), StringComparison.Ordinal);
            Assert.Contains($"LD_PRELOAD={DefaultLibrary}", await node.ExecCheckedAsync("systemctl show -p Environment nvidia-vgpu-mgr.service"), StringComparison.Ordinal);
            Assert.Contains("GRID P40-1Q", await node.ExecCheckedAsync("mdevctl types"), StringComparison.Ordinal);

            await _tf.AssertNoChangesAsync("second plan after create");

            // in-place update: unlock_migration in config.toml
            _tf.WriteConfig(Config(provider, migration: true));
            var update = await _tf.PlanWithChangesAsync();
            Assert.Contains("update in-place", update, StringComparison.Ordinal);
            Assert.DoesNotContain("must be replaced", update, StringComparison.Ordinal);
            await _tf.ApplyAsync();
            Assert.Contains("unlock_migration = true", await node.ExecCheckedAsync($"cat {ConfigToml}"), StringComparison.Ordinal);
            await _tf.AssertNoChangesAsync("plan after the update");

            // drift: the vgpu-mgr drop-in removed by hand (and reloaded) is seen and put back by apply
            await node.ExecCheckedAsync($"rm {MgrDropIn} && systemctl daemon-reload");
            var drift = await _tf.DriftAsync();
            Assert.Contains("\"nvidia-vgpu-mgr.service\"", drift, StringComparison.Ordinal);
            await _tf.PlanWithChangesAsync();
            await _tf.ApplyAsync();
            Assert.True(await ExistsAsync(node, MgrDropIn), "apply did not restore the drop-in");
            Assert.Contains($"LD_PRELOAD={DefaultLibrary}", await node.ExecCheckedAsync("systemctl show -p Environment nvidia-vgpu-mgr.service"), StringComparison.Ordinal);
            await _tf.AssertNoChangesAsync("plan after repairing the drift");

            // replacement: another library_path
            _tf.WriteConfig(Config(provider, migration: true, MovedLibrary));
            var replace = await _tf.PlanWithChangesAsync();
            Assert.Contains("must be replaced", replace, StringComparison.Ordinal);
            Assert.Contains("forces replacement", replace, StringComparison.Ordinal);
            await _tf.ApplyAsync();
            Assert.False(await ExistsAsync(node, DefaultLibrary), "the old library is still there");
            Assert.StartsWith(sha, await node.ExecCheckedAsync($"sha256sum {MovedLibrary}"), StringComparison.Ordinal);
            Assert.Contains($"LD_PRELOAD={MovedLibrary}", await node.ExecCheckedAsync("systemctl show -p Environment nvidia-vgpu-mgr.service"), StringComparison.Ordinal);
            await _tf.AssertNoChangesAsync("plan after the replacement");

            // terraform import, then an import block (import id: the node name)
            var config = Config(provider, migration: true, MovedLibrary);
            var mark = await node.CommandLogMarkAsync();
            await _tf.ReimportWithCliAsync(Address, "pve1");
            await _tf.AssertImportNeedsAtMostAsync(Address, "library_source");
            await _tf.ApplyAsync();
            await _tf.AssertNoChangesAsync("plan after terraform import and apply");
            await _tf.ReimportWithBlockAsync(config, Address, "pve1", "library_source");
            await _tf.AssertNoChangesAsync("plan after an import block");
            await NodeChanges.AssertNoneSinceAsync(node, mark, "importing an unlocked node must not change it");

            // destroy removes the drop-ins; the services run without the library again (an imported library and
            // config.toml were not created by this state, so they stay)
            await _tf.DestroyAsync();
            Assert.False(await ExistsAsync(node, MgrDropIn), MgrDropIn + " is still there after destroy");

            Assert.DoesNotContain("LD_PRELOAD", await node.ExecCheckedAsync("systemctl show -p Environment nvidia-vgpu-mgr.service"), StringComparison.Ordinal);
        }
    }

    public void Dispose()
    {
        _tf.Dispose();
        File.Delete(_library);
    }
}
