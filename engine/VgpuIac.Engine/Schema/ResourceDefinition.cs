using System.Collections.Immutable;

namespace VgpuIac.Engine.Schema;

/// <summary>
/// The neutral schema of the provider, a resource or a data source. Terraform renders it as
/// <c>vgpu_{Name}</c>, Pulumi as <c>vgpu:index:{PulumiName}</c>, and docs/ is generated from it.
/// </summary>
public sealed record ResourceDefinition
{
    /// <summary>snake_case name without the provider prefix, e.g. <c>host_driver</c>.</summary>
    public required string Name { get; init; }

    /// <summary>PascalCase Pulumi type name, e.g. <c>HostDriver</c> (functions: camelCase <c>getNode</c>).</summary>
    public required string PulumiName { get; init; }

    /// <summary>Provider, resource or data source.</summary>
    public required ObjectKind Kind { get; init; }

    /// <summary>Markdown.</summary>
    public required string Description { get; init; }

    /// <summary>Schema version; bump it with a state upgrader when stored state changes shape.</summary>
    public long Version { get; init; }

    /// <summary>The top-level attributes.</summary>
    public ImmutableArray<AttributeDefinition> Attributes { get; init; } = ImmutableArray<AttributeDefinition>.Empty;

    /// <summary>The top-level nested blocks.</summary>
    public ImmutableArray<BlockDefinition> Blocks { get; init; } = ImmutableArray<BlockDefinition>.Empty;

    /// <summary>Other Terraform type names (without prefix) this resource answers to.</summary>
    public ImmutableArray<string> Aliases { get; init; } = ImmutableArray<string>.Empty;

    /// <summary>The syntax <c>terraform import</c> takes, e.g. <c>node/vmid</c>; shown in docs.</summary>
    public string? ImportIdFormat { get; init; }

    /// <summary>
    /// A replacement must delete the old object before creating the new one, because both cannot exist at once
    /// (an exclusive slot: a GPU that runs one vGPU type at a time, a VM's <c>hostpciN</c>, a fixed vmid).
    /// Pulumi sends it as <c>deleteBeforeReplace</c>; Terraform users get the same order from <c>create_before_destroy = false</c>.
    /// </summary>
    public bool DeleteBeforeReplace { get; init; }

    /// <summary>The top-level attribute called <paramref name="name"/>, or null.</summary>
    public AttributeDefinition? FindAttribute(string name) => Attributes.FirstOrDefault(a => a.Name == name);
}
