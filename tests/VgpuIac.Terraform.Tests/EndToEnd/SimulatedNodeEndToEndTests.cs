using System.Globalization;
using VgpuIac.NodeSim;

using VgpuIac.Terraform.Tests.Support;

namespace VgpuIac.Terraform.Tests.EndToEnd;

/// <summary>The real terraform CLI, the provider binary and a simulated PVE node over real SSH.</summary>
[Trait("Category", "E2E")]
public sealed class SimulatedNodeEndToEndTests : IDisposable
{
    private readonly TerraformCli _terraform = new();

    [NodeFact]
    public async Task Plan_reads_the_node_data_source_over_ssh()
    {
        Assert.True(TerraformCli.Available, "terraform must be on PATH for the end-to-end tests");
        if (await SimulatedNodes.StartOrExplainAsync() is not { } node)
        {
            return;
        }

        await using (node)
        {
            _terraform.WriteConfig($$"""
                terraform {
                  required_providers {
                    vgpu = { source = "vgpuiac/vgpu" }
                  }
                }

                provider "vgpu" {
                  node "pve1" {
                    host             = "{{node.Host}}"
                    port             = {{node.Port.ToString(CultureInfo.InvariantCulture)}}
                    user             = "{{node.User}}"
                    private_key_file = "{{node.PrivateKeyPath}}"
                    host_key_sha256  = "{{node.HostKeySha256}}"
                  }
                }

                data "vgpu_node" "pve1" {
                  node = "pve1"
                }

                output "node_facts" {
                  value = data.vgpu_node.pve1
                }
                """);

            var (exitCode, output) = await _terraform.RunAsync("plan", "-input=false");

            Assert.True(exitCode == 0, output);
            Assert.Contains("Changes to Outputs:", output, StringComparison.Ordinal);
            Assert.Contains("0000:01:00.0", output, StringComparison.Ordinal);
        }
    }

    public void Dispose() => _terraform.Dispose();
}
