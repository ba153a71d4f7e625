using System.Globalization;
using VgpuIac.Terraform.Tests.Support;

namespace VgpuIac.Terraform.Tests.EndToEnd;

/// <summary>
/// A <c>known_hosts_file</c> that does not exist yet: <c>terraform validate</c> passes (validation does not look at the
/// file system), <c>terraform plan</c> fails when the provider is configured with a diagnostic naming the file and
/// what to do, and once the file holds the node's key the plan reads the node over SSH verified against it.
/// </summary>
[Trait("Category", "E2E")]
public sealed class KnownHostsFileEndToEndTests : IDisposable
{
    private readonly TerraformLifecycle _tf = new();

    [NodeFact]
    public async Task A_missing_known_hosts_file_passes_validate_and_is_reported_when_the_provider_is_configured()
    {
        Assert.True(TerraformCli.Available, "terraform must be on PATH for the end-to-end tests");
        if (await SimulatedNodes.StartOrExplainAsync(new NodeSim.NodeOptions { Hostname = "pve1" }) is not { } node)
        {
            return;
        }

        await using (node)
        {
            var knownHosts = Path.Combine(_tf.WorkDir, "ssh", "known_hosts");
            _tf.WriteConfig($$"""
                terraform {
                  required_providers {
                    vgpu = { source = "vgpuiac/vgpu" }
                  }
                }

                provider "vgpu" {
                  node "pve1" {
                    host             = "{{node.Host}}"
                    port             = {{node.Port.ToString(CultureInfo.InvariantCulture)}}
                    private_key_file = "{{node.PrivateKeyPath}}"
                    known_hosts_file = "{{knownHosts}}"
                  }
                }

                data "vgpu_node" "pve1" {
                  node = "pve1"
                }

                output "gpus" {
                  value = length(data.vgpu_node.pve1.gpus)
                }
                """);

            var validate = await _tf.SucceedsAsync("validate");
            Assert.Contains("The configuration is valid", validate, StringComparison.Ordinal);
            Assert.DoesNotContain("known_hosts", validate, StringComparison.Ordinal);

            var (planCode, plan) = await _tf.Cli.RunAsync("plan", "-input=false");
            Assert.True(planCode == 1, $"plan should fail while {knownHosts} is missing:\n{plan}");
            var flat = string.Join(' ', plan.Split((char[])['\n', ' '], StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains("Unable to configure node \"pve1\"", flat, StringComparison.Ordinal);
            Assert.Contains($"Cannot read the known_hosts file \"{knownHosts}\": no such", flat, StringComparison.Ordinal);
            Assert.Contains("ssh-keyscan", flat, StringComparison.Ordinal);
            Assert.Contains("host_key_sha256", flat, StringComparison.Ordinal);
            Assert.Contains("known_hosts_file", flat, StringComparison.Ordinal);

            // once the file lists the node's key, the same configuration plans and reads the node
            Directory.CreateDirectory(Path.GetDirectoryName(knownHosts)!);
            await File.WriteAllTextAsync(knownHosts, node.KnownHostsLine + "\n");
            var ok = await _tf.SucceedsAsync("plan", "-input=false");
            Assert.Contains("gpus = 1", ok, StringComparison.Ordinal);
        }
    }

    public void Dispose() => _tf.Dispose();
}
