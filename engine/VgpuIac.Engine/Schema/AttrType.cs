using System.Collections.Immutable;

namespace VgpuIac.Engine.Schema;

/// <summary>The type of an attribute, in terms both cty (Terraform) and Pulumi's type system can express.</summary>
public abstract record AttrType
{
    /// <summary>Text.</summary>
    public static AttrType String { get; } = new PrimitiveType(PrimitiveKind.String);

    /// <summary>A number, whole or not.</summary>
    public static AttrType Number { get; } = new PrimitiveType(PrimitiveKind.Number);

    /// <summary>
    /// A whole number (VM ids, cores, MiB, ports, days). Still <see cref="PrimitiveKind.Number"/>: Terraform has no integer
    /// type and maps it to cty <c>number</c>; Pulumi's schema renders it <c>"integer"</c> and its Check rejects fractions.
    /// </summary>
    public static AttrType Integer { get; } = new PrimitiveType(PrimitiveKind.Number) { WholeNumber = true };

    /// <summary>True or false.</summary>
    public static AttrType Bool { get; } = new PrimitiveType(PrimitiveKind.Bool);

    /// <summary>Any type, decided by the value (Terraform's <c>dynamic</c>).</summary>
    public static AttrType Dynamic { get; } = new DynamicType();

    /// <summary>An ordered list of <paramref name="element"/>.</summary>
    public static AttrType ListOf(AttrType element) => new ListType(element);

    /// <summary>An unordered set of <paramref name="element"/>, without duplicates.</summary>
    public static AttrType SetOf(AttrType element) => new SetType(element);

    /// <summary>A map from string keys to <paramref name="element"/>.</summary>
    public static AttrType MapOf(AttrType element) => new MapType(element);

    /// <summary>An object with these named fields.</summary>
    public static AttrType ObjectOf(params ObjectField[] fields) => new ObjectType(fields.ToImmutableArray());
}

/// <summary>The scalar types every door has.</summary>
public enum PrimitiveKind
{
    /// <summary>Text.</summary>
    String,
    /// <summary>A number (whole numbers are a <see cref="PrimitiveType.WholeNumber"/> number).</summary>
    Number,
    /// <summary>True or false.</summary>
    Bool,
}

/// <summary>A scalar type.</summary>
/// <param name="Kind">Text, number or boolean.</param>
public sealed record PrimitiveType(PrimitiveKind Kind) : AttrType
{
    /// <summary>Only whole numbers are valid (<see cref="AttrType.Integer"/>); meaningful for <see cref="PrimitiveKind.Number"/> only.</summary>
    public bool WholeNumber { get; init; }
}

/// <summary>Any type, decided by the value.</summary>
public sealed record DynamicType : AttrType;

/// <summary>An ordered list.</summary>
/// <param name="Element">The type of every element.</param>
public sealed record ListType(AttrType Element) : AttrType;

/// <summary>An unordered set without duplicates.</summary>
/// <param name="Element">The type of every element.</param>
public sealed record SetType(AttrType Element) : AttrType;

/// <summary>A map from string keys to values of one type.</summary>
/// <param name="Element">The type of every value.</param>
public sealed record MapType(AttrType Element) : AttrType;

/// <summary>An object type; <see cref="ObjectField.Optional"/> fields may be omitted in configuration.</summary>
public sealed record ObjectType(ImmutableArray<ObjectField> Fields) : AttrType
{
    /// <summary>Two object types are equal when they have equal fields in the same order.</summary>
    public bool Equals(ObjectType? other) => other is not null && Fields.SequenceEqual(other.Fields);

    /// <inheritdoc/>
    public override int GetHashCode() => Fields.Aggregate(17, (h, f) => (h * 31) + f.GetHashCode());
}

/// <summary>One named field of an <see cref="ObjectType"/>.</summary>
/// <param name="Name">snake_case field name.</param>
/// <param name="Type">The field's type.</param>
/// <param name="Optional">True when configuration may omit the field.</param>
public sealed record ObjectField(string Name, AttrType Type, bool Optional = false);
