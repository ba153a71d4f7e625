using VgpuIac.Engine.Schema;
using VgpuIac.Engine.Values;
using VgpuIac.Pulumi.PropertyValues;

namespace VgpuIac.Pulumi.Model;

/// <summary>One property of a resource, function, the provider or a nested object, in Pulumi terms.</summary>
public sealed record PulumiProperty
{
    /// <summary>The engine's snake_case name (the attribute or block name).</summary>
    public required string Name { get; init; }

    public string CamelName => PropertyNames.ToCamel(Name);

    public required PulumiType Type { get; init; }

    public string Description { get; init; } = string.Empty;

    /// <summary>The user may set it (an input property).</summary>
    public bool IsInput { get; init; } = true;

    /// <summary>The user must set it.</summary>
    public bool IsRequired { get; init; }

    /// <summary>Always present in outputs (required inputs and computed values without null).</summary>
    public bool IsComputed { get; init; }

    public bool Secret { get; init; }

    public bool ForcesReplacement { get; init; }

    public Value? Default { get; init; }

    /// <summary>A nested block of the neutral definition (absent list, set and map blocks read as empty, as in Terraform).</summary>
    public bool IsBlock { get; init; }

    /// <summary>The engine value for an absent property: null, or an empty collection for a block.</summary>
    public Value Absent => !IsBlock ? Value.Null : Type switch
    {
        PulumiArray { IsSet: true } => Value.Set([]),
        PulumiArray => Value.EmptyList,
        PulumiMap => Value.EmptyMap,
        _ => Value.Null,
    };

    public string? Deprecation { get; init; }

    /// <summary>An attribute of an object whose type token is <paramref name="ownerTypeName"/> (names nested object types).</summary>
    public static PulumiProperty FromAttribute(AttributeDefinition a, string ownerTypeName) => new()
    {
        Name = a.Name,
        Type = a.IsWholeNumber ? new PulumiPrimitive(PrimitiveKind.Number, WholeNumber: true) : PulumiType.From(a.Type, ownerTypeName + PropertyNames.ToPascal(a.Name)),
        Description = a.Description,
        IsInput = a.Mode != AttributeMode.Computed,
        IsRequired = a.IsRequired,
        IsComputed = a.IsComputed,
        Secret = a.Sensitive,
        ForcesReplacement = a.ForcesReplacement,
        Default = a.Default,
        Deprecation = a.Deprecation,
    };

    public static PulumiProperty FromBlock(BlockDefinition b, string typeName) => new()
    {
        Name = b.Name,
        Type = PulumiType.From(b, typeName),
        Description = b.Description,
        IsRequired = b.MinItems > 0,
        ForcesReplacement = b.ForcesReplacement,
        IsBlock = true,
    };

    public static PulumiProperty FromField(ObjectField f, string ownerTypeName) => new()
    {
        Name = f.Name,
        Type = PulumiType.From(f.Type, ownerTypeName + PropertyNames.ToPascal(f.Name)),
        IsRequired = !f.Optional,
    };
}
