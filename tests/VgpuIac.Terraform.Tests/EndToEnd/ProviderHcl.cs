using System.Globalization;
using VgpuIac.NodeSim;

namespace VgpuIac.Terraform.Tests.EndToEnd;

/// <summary>The <c>terraform</c> and <c>provider "vgpu"</c> blocks of an end-to-end configuration: one <c>node</c> block per simulated node, host keys pinned.</summary>
public static class ProviderHcl
{
    /// <summary>One <c>node</c> block per (name, node); each simulated node has its own client key, so each block names its own key file.</summary>
    public static string For(params (string Name, SimulatedNode Node)[] nodes)
    {
        var blocks = string.Join("\n", nodes.Select(n => $$"""
              node "{{n.Name}}" {
                host             = "{{n.Node.Host}}"
                port             = {{n.Node.Port.ToString(CultureInfo.InvariantCulture)}}
                private_key_file = "{{n.Node.PrivateKeyPath}}"
                host_key_sha256  = "{{n.Node.HostKeySha256}}"
              }
            """));
        return $$"""
            terraform {
              required_providers {
                vgpu = { source = "vgpuiac/vgpu" }
              }
            }

            provider "vgpu" {
            {{blocks}}
            }

            """;
    }

    /// <summary>An <c>import</c> block.</summary>
    public static string ImportBlock(string to, string id) => $$"""

        import {
          to = {{to}}
          id = "{{id}}"
        }
        """;
}
