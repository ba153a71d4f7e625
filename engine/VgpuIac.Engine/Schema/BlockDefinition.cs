using System.Collections.Immutable;

namespace VgpuIac.Engine.Schema;

/// <summary>A nested block (Terraform block syntax; a nested object or list of objects in Pulumi).</summary>
public sealed record BlockDefinition
{
    /// <summary>snake_case block name (Terraform); Pulumi renders it camelCase.</summary>
    public required string Name { get; init; }

    /// <summary>Markdown.</summary>
    public required string Description { get; init; }

    /// <summary>How many instances the block takes: one, a list, a set or a labelled map.</summary>
    public BlockNesting Nesting { get; init; } = BlockNesting.Single;

    /// <summary>The fewest instances configuration may have; 0 for none required.</summary>
    public int MinItems { get; init; }

    /// <summary>The most instances configuration may have; 0 for no limit.</summary>
    public int MaxItems { get; init; }

    /// <summary>The block's attributes.</summary>
    public ImmutableArray<AttributeDefinition> Attributes { get; init; } = ImmutableArray<AttributeDefinition>.Empty;

    /// <summary>Blocks nested inside this one.</summary>
    public ImmutableArray<BlockDefinition> Blocks { get; init; } = ImmutableArray<BlockDefinition>.Empty;

    /// <summary>Changing anything in the block replaces the object.</summary>
    public bool ForcesReplacement { get; init; }
}
