using System.Collections.Immutable;

namespace VgpuIac.Engine.Schema;

/// <summary>A nested block (Terraform block syntax; a nested object or list of objects in Pulumi).</summary>
public sealed record BlockDefinition
{
    public required string Name { get; init; }

    public required string Description { get; init; }

    public BlockNesting Nesting { get; init; } = BlockNesting.Single;

    public int MinItems { get; init; }

    public int MaxItems { get; init; }

    public ImmutableArray<AttributeDefinition> Attributes { get; init; } = ImmutableArray<AttributeDefinition>.Empty;

    public ImmutableArray<BlockDefinition> Blocks { get; init; } = ImmutableArray<BlockDefinition>.Empty;

    public bool ForcesReplacement { get; init; }
}
