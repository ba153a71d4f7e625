using System.Globalization;
using VgpuIac.NodeSim;
using VgpuIac.Terraform.Tests.Support;

namespace VgpuIac.Terraform.Tests.EndToEnd;

/// <summary>
/// <c>vgpu_guest</c>'s whole life through the real terraform CLI against a simulated node whose host driver was
/// installed by hand: a VM with a GRID P40-1Q slice and the guest driver, an empty second plan, cores changed in place,
/// memory changed by hand with <c>qm set</c> seen and reverted, a new <c>vmid</c> replaces the VM,
/// <c>terraform import</c> and an <c>import</c> block, destroy frees the vGPU instance.
/// </summary>
[Trait("Category", "E2E")]
public sealed class GuestLifecycleTests : IDisposable
{
    private const string Address = "vgpu_guest.g";
    private const string Version = "535.129.03";
    private const string AvailableInstances = "cat /sys/bus/pci/devices/0000:01:00.0/mdev_supported_types/nvidia-46/available_instances";

    private readonly TerraformLifecycle _tf = new();
    private readonly string _files = Directory.CreateTempSubdirectory("vgpu-tf-guest-").FullName;

    private static string Config(string provider, int vmid, int cores, string driver, string sha) => provider + $$"""
        resource "vgpu_guest" "g" {
          node                = "pve1"
          vmid                = {{vmid.ToString(CultureInfo.InvariantCulture)}}
          name                = "vgpu-ubuntu"
          cores               = {{cores.ToString(CultureInfo.InvariantCulture)}}
          memory_mb           = 4096
          mdev_type_name      = "GRID P40-1Q"
          guest_driver_source = "{{driver}}"
          guest_driver_sha256 = "{{sha}}"
          host_driver_version = "{{Version}}"
        }
        """;

    [NodeFact]
    public async Task Guest_lives_a_whole_life_through_the_terraform_cli()
    {
        Assert.True(TerraformCli.Available, "terraform must be on PATH for the end-to-end tests");
        if (await SimulatedNodes.StartOrExplainAsync(new NodeOptions { Hostname = "pve1", RebootDelay = 0.5 }) is not { } node)
        {
            return;
        }

        await using (node)
        {
            await HandMadeNode.InstallHostDriverAsync(node, version: Version);
            Assert.Contains("GRID P40-1Q", await node.ExecCheckedAsync("mdevctl types"), StringComparison.Ordinal);
            var driver = Path.Combine(_files, FakeGuestDriver.FileName(Version));
            var sha = FakeGuestDriver.Write(driver, Version);
            var provider = ProviderHcl.For(("pve1", node));
            async Task<string> QmConfigAsync(int vmid) => await node.ExecCheckedAsync($"qm config {vmid}");
            async Task<bool> VmExistsAsync(int vmid) => (await node.ExecAsync($"test -e /etc/pve/qemu-server/{vmid}.conf")).ExitCode == 0;

            // create: the VM with its vGPU, started, the guest driver installed through the agent
            _tf.WriteConfig(Config(provider, 200, 4, driver, sha));
            await _tf.ApplyAsync();
            var vm = await QmConfigAsync(200);
            Assert.Contains("hostpci0: 0000:01:00.0,mdev=nvidia-46,pcie=1", vm, StringComparison.Ordinal);
            Assert.Contains("cores: 4", vm, StringComparison.Ordinal);
            var status = await node.ExecAsync("qm status 200");
            Assert.True(status.StandardOutput.Contains("status: running", StringComparison.Ordinal), $"qm status 200 exited {status.ExitCode}: {status.StandardOutput}{status.StandardError}");
            Assert.Equal("23", (await node.ExecCheckedAsync(AvailableInstances)).Trim());

            await _tf.AssertNoChangesAsync("second plan after create");

            // in-place update: cores
            _tf.WriteConfig(Config(provider, 200, 2, driver, sha));
            var update = await _tf.PlanWithChangesAsync();
            Assert.Contains("update in-place", update, StringComparison.Ordinal);
            Assert.DoesNotContain("must be replaced", update, StringComparison.Ordinal);
            await _tf.ApplyAsync();
            Assert.Contains("cores: 2", await QmConfigAsync(200), StringComparison.Ordinal);
            await _tf.AssertNoChangesAsync("plan after the update");

            // drift: memory changed by hand is seen and set back by apply
            await node.ExecCheckedAsync("qm set 200 --memory 2048 >/dev/null");
            var drift = await _tf.DriftAsync();
            Assert.Contains("2048", drift, StringComparison.Ordinal);
            await _tf.PlanWithChangesAsync();
            await _tf.ApplyAsync();
            Assert.Contains("memory: 4096", await QmConfigAsync(200), StringComparison.Ordinal);
            await _tf.AssertNoChangesAsync("plan after repairing the drift");

            // replacement: another vmid (deleted before the new one is created, so the vGPU instance is reused)
            _tf.WriteConfig(Config(provider, 201, 2, driver, sha));
            var replace = await _tf.PlanWithChangesAsync();
            Assert.Contains("must be replaced", replace, StringComparison.Ordinal);
            Assert.Contains("forces replacement", replace, StringComparison.Ordinal);
            await _tf.ApplyAsync();
            Assert.False(await VmExistsAsync(200), "the replaced VM 200 is still there");
            Assert.Contains("mdev=nvidia-46", await QmConfigAsync(201), StringComparison.Ordinal);
            Assert.Equal("23", (await node.ExecCheckedAsync(AvailableInstances)).Trim());
            await _tf.AssertNoChangesAsync("plan after the replacement");

            // terraform import, then an import block (import id: <node>/<vmid>)
            var config = Config(provider, 201, 2, driver, sha);
            string[] configOnly = ["mdev_type_name", "guest_driver_source", "guest_driver_sha256", "host_driver_version"];
            var mark = await node.CommandLogMarkAsync();
            await _tf.ReimportWithCliAsync(Address, "pve1/201");
            await _tf.AssertImportNeedsAtMostAsync(Address, configOnly);
            await _tf.ApplyAsync();
            await _tf.AssertNoChangesAsync("plan after terraform import and apply");
            await _tf.ReimportWithBlockAsync(config, Address, "pve1/201", configOnly);
            await _tf.AssertNoChangesAsync("plan after an import block");
            await NodeChanges.AssertNoneSinceAsync(node, mark, "importing a running guest must not change it");

            // destroy removes the VM and frees its vGPU instance
            await _tf.DestroyAsync();
            Assert.False(await VmExistsAsync(201), "VM 201 is still there after destroy");
            Assert.Equal("24", (await node.ExecCheckedAsync(AvailableInstances)).Trim());
        }
    }

    public void Dispose()
    {
        _tf.Dispose();
        Directory.Delete(_files, recursive: true);
    }
}
