using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Logging;
using VgpuIac.Engine.Values;

namespace VgpuIac.Terraform.Service;

/// <summary>
/// How the provider block becomes the nodes resources talk to. The composition root plugs in the
/// engine's provider configuration parser and SSH resolver; tests plug in their own.
/// </summary>
public sealed record ProviderConfigurator
{
    /// <summary>Static checks of the provider block (may hold unknowns).</summary>
    public Func<Value, IEnumerable<Diagnostic>> Validate { get; init; } = static _ => [];

    /// <summary>Builds the node resolver from a decoded provider block.</summary>
    public required Func<Value, IEngineLog, NodeConnection> Connect { get; init; }
}
