using System.Security.Cryptography;
using System.Text.RegularExpressions;
using VgpuIac.NodeSim;
using VgpuIac.Terraform.Tests.Support;

namespace VgpuIac.Terraform.Tests.EndToEnd;

/// <summary>
/// Owner and mode of the files VgpuIac places, through the real terraform CLI on a simulated node: somebody on the node
/// makes vgpu_unlock's library world-writable (it is preloaded into root services), hands a drop-in to uid 1000 and
/// opens profile_override.toml to everyone; the plan shows each file with the mode found and the mode VgpuIac sets
/// (<c>file_modes</c>), the apply repairs them, and the next plan is empty.
/// </summary>
[Trait("Category", "E2E")]
public sealed class FileModeDriftEndToEndTests : IDisposable
{
    private const string Library = "/opt/vgpu_unlock-rs/target/release/libvgpu_unlock_rs.so";
    private const string MgrDropIn = "/etc/systemd/system/nvidia-vgpu-mgr.service.d/vgpu_unlock.conf";
    private const string OverrideFile = "/etc/vgpu_unlock/profile_override.toml";

    private readonly TerraformLifecycle _tf = new();
    private readonly string _library = Path.Combine(Path.GetTempPath(), $"libvgpu_unlock_rs-{Guid.NewGuid():N}.so");

    public void Dispose()
    {
        _tf.Dispose();
        File.Delete(_library);
    }

    private static bool Shows(string plan, string path, string found, string ours) =>
        Regex.IsMatch(plan, $"~ \"{Regex.Escape(path)}\" += \"{Regex.Escape(found)}\" -> \"{Regex.Escape(ours)}\"");

    private static async Task<string> StatAsync(SimulatedNode node, string path) => (await node.ExecCheckedAsync($"stat -c '%a %u %g' {path}")).Trim();

    [NodeFact]
    public async Task A_mode_or_owner_changed_on_the_node_is_planned_back_and_repaired_then_the_plan_is_empty()
    {
        Assert.True(TerraformCli.Available, "terraform must be on PATH for the end-to-end tests");
        var options = new NodeOptions { Hostname = "pve1", Gpus = [new GpuDevice("0000:01:00.0", "gtx-1080")] };
        if (await SimulatedNodes.StartOrExplainAsync(options) is not { } node)
        {
            return;
        }

        await using (node)
        {
            await File.WriteAllBytesAsync(_library, [.. "\u007fELF fake vgpu_unlock-rs "u8.ToArray(), .. RandomNumberGenerator.GetBytes(2048)]);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(_library, (UnixFileMode)Convert.ToInt32("666", 8));
            }

            _tf.WriteConfig(ProviderHcl.For(("pve1", node)) + $$"""
                resource "vgpu_unlock" "u" {
                  node           = "pve1"
                  library_source = "{{_library}}"
                }

                resource "vgpu_profile_override" "p" {
                  node         = "pve1"
                  mdev_type    = "nvidia-46"
                  num_displays = 1
                }
                """);
            await _tf.ApplyAsync();
            Assert.Equal("755 0 0", await StatAsync(node, Library));
            Assert.Equal("644 0 0", await StatAsync(node, OverrideFile));
            await _tf.AssertNoChangesAsync("second plan after create");

            await node.ExecCheckedAsync($"chmod 0666 {Library} {OverrideFile} && chown 1000:1000 {MgrDropIn}");
            var plan = await _tf.PlanWithChangesAsync();
            Assert.Contains("vgpu_unlock.u will be updated in-place", plan, StringComparison.Ordinal);
            Assert.Contains("vgpu_profile_override.p will be updated in-place", plan, StringComparison.Ordinal);
            // each file with the mode found and the mode VgpuIac sets (terraform aligns the '=' of a map's lines)
            Assert.True(Shows(plan, Library, "0666 root:root", "0755 root:root"), plan);
            Assert.True(Shows(plan, MgrDropIn, "0644 1000:1000", "0644 root:root"), plan);
            Assert.True(Shows(plan, OverrideFile, "0666 root:root", "0644 root:root"), plan);
            var changes = await _tf.PlannedChangesAsync();
            foreach (var address in new[] { "vgpu_unlock.u", "vgpu_profile_override.p" })
            {
                Assert.Equal("update", changes[address].Actions);
                Assert.Equal(["file_modes"], changes[address].Changed);
            }


            await _tf.ApplyAsync();
            Assert.Equal("755 0 0", await StatAsync(node, Library));
            Assert.Equal("644 0 0", await StatAsync(node, MgrDropIn));
            Assert.Equal("644 0 0", await StatAsync(node, OverrideFile));
            await _tf.AssertNoChangesAsync("plan after the repair");
        }
    }
}
