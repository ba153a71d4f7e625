using System.Collections.Immutable;
using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Resources;

namespace VgpuIac.Terraform.Service;

/// <summary>The result of configuring the provider: the resolver (null when the configuration is unusable) and diagnostics.</summary>
public sealed record NodeConnection(INodeResolver? Nodes, ImmutableArray<Diagnostic> Diagnostics);
