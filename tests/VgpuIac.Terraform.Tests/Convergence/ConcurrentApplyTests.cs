using VgpuIac.NodeSim;
using VgpuIac.Terraform.Tests.EndToEnd;
using VgpuIac.Terraform.Tests.Support;

namespace VgpuIac.Terraform.Tests.Convergence;

/// <summary>
/// Two applies at once on one node, from two Terraform working directories (two teams, two states): edits of one shared
/// file (<c>profile_override.toml</c>, different sections) are serialised by the node lock, so neither loses the
/// other's section; two guests created at once each get their vGPU instance; both states converge.
/// </summary>
[Trait("Category", "E2E")]
public sealed class ConcurrentApplyTests : IDisposable
{
    private readonly TerraformLifecycle _one = new();
    private readonly TerraformLifecycle _two = new();

    private static string Override(string provider, string type, int width) => provider + $$"""
        resource "vgpu_profile_override" "o" {
          node          = "pve1"
          mdev_type     = "{{type}}"
          display_width = {{width}}
          display_height = 1080
        }
        """;

    [NodeFact]
    public async Task Two_applies_editing_different_sections_of_one_file_at_once_both_land()
    {
        Assert.True(TerraformCli.Available, "terraform must be on PATH for the end-to-end tests");
        if (await SimulatedNodes.StartOrExplainAsync(new NodeOptions { Hostname = "pve1", RebootDelay = 0.5 }) is not { } node)
        {
            return;
        }

        await using (node)
        {
            await HandMadeNode.InstallHostDriverAsync(node);
            var provider = ProviderHcl.For(("pve1", node));
            for (var round = 0; round < 3; round++)
            {
                _one.WriteConfig(Override(provider, "nvidia-46", 1920 + round));
                _two.WriteConfig(Override(provider, "nvidia-47", 1280 + round));
                await Task.WhenAll(_one.ApplyAsync(), _two.ApplyAsync());

                var file = await node.ExecCheckedAsync("cat /etc/vgpu_unlock/profile_override.toml");
                Assert.Contains("[profile.nvidia-46]", file, StringComparison.Ordinal);
                Assert.Contains("[profile.nvidia-47]", file, StringComparison.Ordinal);
                Assert.Contains($"display_width = {1920 + round}", file, StringComparison.Ordinal);
                Assert.Contains($"display_width = {1280 + round}", file, StringComparison.Ordinal);
                await _one.AssertNoChangesAsync("first state after concurrent applies");
                await _two.AssertNoChangesAsync("second state after concurrent applies");
            }

            await Task.WhenAll(_one.DestroyAsync(), _two.DestroyAsync());
            var left = await node.ExecAsync("cat /etc/vgpu_unlock/profile_override.toml 2>/dev/null");
            Assert.DoesNotContain("[profile.nvidia-4", left.StandardOutput, StringComparison.Ordinal);
        }
    }

    private static string Guest(string provider, int vmid) => provider + $$"""
        resource "vgpu_guest" "g" {
          node           = "pve1"
          vmid           = {{vmid}}
          name           = "concurrent-{{vmid}}"
          cores          = 2
          memory_mb      = 2048
          mdev_type_name = "GRID P40-1Q"
          guest_setup    = "none"
        }
        """;

    [NodeFact]
    public async Task Two_applies_creating_different_guests_on_one_node_at_once_both_converge()
    {
        if (await SimulatedNodes.StartOrExplainAsync(new NodeOptions { Hostname = "pve1", RebootDelay = 0.5 }) is not { } node)
        {
            return;
        }

        await using (node)
        {
            await HandMadeNode.InstallHostDriverAsync(node);
            var provider = ProviderHcl.For(("pve1", node));
            _one.WriteConfig(Guest(provider, 300));
            _two.WriteConfig(Guest(provider, 301));
            await Task.WhenAll(_one.ApplyAsync(), _two.ApplyAsync());

            foreach (var vmid in new[] { 300, 301 })
            {
                var config = await node.ExecCheckedAsync($"qm config {vmid}");
                Assert.Contains("mdev=nvidia-46", config, StringComparison.Ordinal);
                Assert.Contains("tags: vgpuiac", config, StringComparison.Ordinal);
                Assert.Contains("status: running", await node.ExecCheckedAsync($"qm status {vmid}"), StringComparison.Ordinal);
            }

            await _one.AssertNoChangesAsync("first state after concurrent creates");
            await _two.AssertNoChangesAsync("second state after concurrent creates");
            await Task.WhenAll(_one.DestroyAsync(), _two.DestroyAsync());
            Assert.Equal("24", (await node.ExecCheckedAsync("cat /sys/bus/pci/devices/0000:01:00.0/mdev_supported_types/nvidia-46/available_instances")).Trim());
        }
    }

    public void Dispose()
    {
        _one.Dispose();
        _two.Dispose();
    }
}
