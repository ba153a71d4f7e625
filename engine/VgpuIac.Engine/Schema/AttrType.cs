using System.Collections.Immutable;

namespace VgpuIac.Engine.Schema;

/// <summary>The type of an attribute, in terms both cty (Terraform) and Pulumi's type system can express.</summary>
public abstract record AttrType
{
    public static AttrType String { get; } = new PrimitiveType(PrimitiveKind.String);

    public static AttrType Number { get; } = new PrimitiveType(PrimitiveKind.Number);

    /// <summary>
    /// A whole number (VM ids, cores, MiB, ports, days). Still <see cref="PrimitiveKind.Number"/>: Terraform has no integer
    /// type and maps it to cty <c>number</c>; Pulumi's schema renders it <c>"integer"</c> and its Check rejects fractions.
    /// </summary>
    public static AttrType Integer { get; } = new PrimitiveType(PrimitiveKind.Number) { WholeNumber = true };

    public static AttrType Bool { get; } = new PrimitiveType(PrimitiveKind.Bool);

    public static AttrType Dynamic { get; } = new DynamicType();

    public static AttrType ListOf(AttrType element) => new ListType(element);

    public static AttrType SetOf(AttrType element) => new SetType(element);

    public static AttrType MapOf(AttrType element) => new MapType(element);

    public static AttrType ObjectOf(params ObjectField[] fields) => new ObjectType(fields.ToImmutableArray());
}

public enum PrimitiveKind
{
    String,
    Number,
    Bool,
}

public sealed record PrimitiveType(PrimitiveKind Kind) : AttrType
{
    /// <summary>Only whole numbers are valid (<see cref="AttrType.Integer"/>); meaningful for <see cref="PrimitiveKind.Number"/> only.</summary>
    public bool WholeNumber { get; init; }
}

public sealed record DynamicType : AttrType;

public sealed record ListType(AttrType Element) : AttrType;

public sealed record SetType(AttrType Element) : AttrType;

public sealed record MapType(AttrType Element) : AttrType;

/// <summary>An object type; <see cref="ObjectField.Optional"/> fields may be omitted in configuration.</summary>
public sealed record ObjectType(ImmutableArray<ObjectField> Fields) : AttrType
{
    public bool Equals(ObjectType? other) => other is not null && Fields.SequenceEqual(other.Fields);

    public override int GetHashCode() => Fields.Aggregate(17, (h, f) => (h * 31) + f.GetHashCode());
}

public sealed record ObjectField(string Name, AttrType Type, bool Optional = false);
