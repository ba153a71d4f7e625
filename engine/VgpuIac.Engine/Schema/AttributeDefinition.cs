using System.Collections.Immutable;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.Schema;

/// <summary>One attribute of a resource, data source or the provider, described once for every door and the docs.</summary>
public sealed record AttributeDefinition
{
    /// <summary>snake_case name (Terraform); Pulumi renders it camelCase.</summary>
    public required string Name { get; init; }

    /// <summary>The attribute's type.</summary>
    public required AttrType Type { get; init; }

    /// <summary>Markdown.</summary>
    public required string Description { get; init; }

    /// <summary>Who sets it: the user, the engine, or either.</summary>
    public AttributeMode Mode { get; init; } = AttributeMode.Optional;

    /// <summary>A secret: Terraform hides it in plans, Pulumi stores it as a secret, and diagnostics never quote it.</summary>
    public bool Sensitive { get; init; }

    /// <summary>Changing it replaces the object (Terraform RequiresReplace, Pulumi replaces).</summary>
    public bool ForcesReplacement { get; init; }

    /// <summary>A computed attribute whose value stays as it was unless the planner says otherwise (UseStateForUnknown).</summary>
    public bool StableComputed { get; init; }

    /// <summary>The value used when the user leaves it unset (mode must be OptionalComputed).</summary>
    public Value? Default { get; init; }

    /// <summary>Checks of the attribute's value, run at validation (no node access).</summary>
    public ImmutableArray<IValueValidator> Validators { get; init; } = ImmutableArray<IValueValidator>.Empty;

    /// <summary>Set when the attribute is deprecated: what to use instead.</summary>
    public string? Deprecation { get; init; }

    /// <summary>The user must set it.</summary>
    public bool IsRequired => Mode == AttributeMode.Required;

    /// <summary>The user may set it.</summary>
    public bool IsOptional => Mode is AttributeMode.Optional or AttributeMode.OptionalComputed;

    /// <summary>The engine may fill it in.</summary>
    public bool IsComputed => Mode is AttributeMode.Computed or AttributeMode.OptionalComputed;

    /// <summary>
    /// A number attribute that only takes whole numbers: typed <see cref="AttrType.Integer"/>, or typed
    /// <see cref="AttrType.Number"/> with a validator that accepts only whole numbers (<see cref="Schema.Validators.IntRange"/>).
    /// </summary>
    public bool IsWholeNumber => Type is PrimitiveType { Kind: PrimitiveKind.Number } p
        && (p.WholeNumber || Validators.Any(Schema.Validators.AcceptsOnlyWholeNumbers));
}
