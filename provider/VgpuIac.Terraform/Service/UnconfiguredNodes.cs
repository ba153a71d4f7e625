using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Remote;
using VgpuIac.Engine.Resources;

namespace VgpuIac.Terraform.Service;

/// <summary>The resolver before ConfigureProvider succeeded: every lookup is a diagnostic.</summary>
public sealed class UnconfiguredNodes : INodeResolver
{
    public static UnconfiguredNodes Instance { get; } = new();

    public IReadOnlyList<string> NodeNames => [];

    public IRemoteShell? Resolve(string? name, AttributePath path, DiagnosticBag diagnostics)
    {
        diagnostics.Error(
            "Unable to reach the node: the provider is not configured",
            "The vgpu provider has no usable configuration (ConfigureProvider did not succeed). Check the provider block and the errors reported for it.",
            path);
        return null;
    }
}
