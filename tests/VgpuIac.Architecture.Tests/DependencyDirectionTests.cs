using System.Reflection;

namespace VgpuIac.Architecture.Tests;

/// <summary>
/// The layering in ARCHITECTURE.md, checked on the compiled assemblies: the engine knows nothing of gRPC,
/// protobuf, Terraform, Pulumi or SSH.NET; the transport knows only the engine and SSH.NET; the two doors
/// never reference each other.
/// </summary>
public sealed class DependencyDirectionTests
{
    private static readonly string[] ProtocolPrefixes = ["Grpc", "Google.Protobuf", "MessagePack", "Pulumi", "terraform-provider", "pulumi-resource", "VgpuIac.Terraform", "VgpuIac.Pulumi", "Microsoft.AspNetCore"];

    [Fact]
    public void Engine_references_no_protocol_transport_or_door_assembly()
    {
        var forbidden = ProtocolPrefixes.Append("Renci.SshNet").ToArray();
        var offending = References("VgpuIac.Engine").Where(r => forbidden.Any(f => r.StartsWith(f, StringComparison.OrdinalIgnoreCase))).ToList();
        Assert.True(offending.Count == 0, "VgpuIac.Engine must not reference: " + string.Join(", ", offending));
    }

    [Fact]
    public void Engine_core_types_do_not_mention_protocol_namespaces()
    {
        var engine = Assembly.Load("VgpuIac.Engine");
        var bad = engine.GetTypes()
            .SelectMany(t => t.GetFields(BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic).Select(f => (t, f.FieldType)))
            .Where(x => x.FieldType.Namespace is { } ns && (ns.StartsWith("Grpc", StringComparison.Ordinal) || ns.StartsWith("Google.Protobuf", StringComparison.Ordinal) || ns.StartsWith("Renci", StringComparison.Ordinal)))
            .Select(x => $"{x.t.FullName}: {x.FieldType.FullName}")
            .ToList();
        Assert.True(bad.Count == 0, string.Join("\n", bad));
    }

    [Fact]
    public void Ssh_transport_references_only_the_engine_and_ssh_net()
    {
        var offending = References("VgpuIac.Engine.Ssh").Where(r => ProtocolPrefixes.Any(f => r.StartsWith(f, StringComparison.OrdinalIgnoreCase))).ToList();
        Assert.True(offending.Count == 0, "VgpuIac.Engine.Ssh must not reference: " + string.Join(", ", offending));
        Assert.Contains("VgpuIac.Engine", References("VgpuIac.Engine.Ssh"));
    }

    [Fact]
    public void Terraform_door_does_not_reference_the_pulumi_door()
    {
        var refs = References("terraform-provider-vgpu");
        Assert.Contains("VgpuIac.Engine", refs);
        Assert.DoesNotContain(refs, r => r.StartsWith("pulumi", StringComparison.OrdinalIgnoreCase) || r.StartsWith("VgpuIac.Pulumi", StringComparison.Ordinal));
    }

    [Fact]
    public void Pulumi_door_does_not_reference_the_terraform_door()
    {
        var refs = References("pulumi-resource-vgpu");
        Assert.Contains("VgpuIac.Engine", refs);
        Assert.DoesNotContain(refs, r => r.Contains("terraform", StringComparison.OrdinalIgnoreCase) || r.StartsWith("MessagePack", StringComparison.Ordinal));
    }

    [Fact]
    public void Production_assemblies_never_reference_test_assemblies()
    {
        foreach (var name in new[] { "VgpuIac.Engine", "VgpuIac.Engine.Ssh", "terraform-provider-vgpu", "pulumi-resource-vgpu" })
        {
            Assert.DoesNotContain(References(name), r => r.Contains("Tests", StringComparison.Ordinal) || r.Contains("NodeSim", StringComparison.Ordinal) || r.StartsWith("xunit", StringComparison.Ordinal));
        }
    }

    private static List<string> References(string assemblyName) =>
        Assembly.Load(assemblyName).GetReferencedAssemblies().Select(a => a.Name ?? string.Empty).ToList();
}
