using System.Collections.Immutable;

namespace VgpuIac.Terraform.Cty;

/// <summary>
/// A cty type as Terraform describes values on the wire: primitives, collections, structural types and
/// <c>dynamic</c>. Decoding msgpack/JSON is driven entirely by the expected type.
/// </summary>
public abstract record CtyType
{
    public static CtyType String { get; } = new CtyPrimitive(CtyPrimitiveKind.String);

    public static CtyType Number { get; } = new CtyPrimitive(CtyPrimitiveKind.Number);

    public static CtyType Bool { get; } = new CtyPrimitive(CtyPrimitiveKind.Bool);

    public static CtyType Dynamic { get; } = new CtyDynamic();

    public static CtyType List(CtyType element) => new CtyList(element);

    public static CtyType Set(CtyType element) => new CtySet(element);

    public static CtyType Map(CtyType element) => new CtyMap(element);

    public static CtyType Tuple(params CtyType[] elements) => new CtyTuple([.. elements]);

    public static CtyType Object(IEnumerable<KeyValuePair<string, CtyType>> attributes, IEnumerable<string>? optional = null) =>
        new CtyObject(attributes.ToImmutableSortedDictionary(StringComparer.Ordinal), (optional ?? []).ToImmutableSortedSet(StringComparer.Ordinal));

    public static CtyType Object(params (string Name, CtyType Type)[] attributes) =>
        Object(attributes.Select(a => KeyValuePair.Create(a.Name, a.Type)));

    /// <summary>True when <c>dynamic</c> appears anywhere in this type.</summary>
    public bool HasDynamic => this switch
    {
        CtyDynamic => true,
        CtyList l => l.Element.HasDynamic,
        CtySet s => s.Element.HasDynamic,
        CtyMap m => m.Element.HasDynamic,
        CtyTuple t => t.Elements.Any(e => e.HasDynamic),
        CtyObject o => o.Attributes.Values.Any(a => a.HasDynamic),
        _ => false,
    };

    public override string ToString() => CtyTypeJson.Serialize(this);
}

public enum CtyPrimitiveKind
{
    String,
    Number,
    Bool,
}

public sealed record CtyPrimitive(CtyPrimitiveKind Kind) : CtyType
{
    public override string ToString() => CtyTypeJson.Serialize(this);
}

public sealed record CtyDynamic : CtyType
{
    public override string ToString() => CtyTypeJson.Serialize(this);
}

public sealed record CtyList(CtyType Element) : CtyType
{
    public override string ToString() => CtyTypeJson.Serialize(this);
}

public sealed record CtySet(CtyType Element) : CtyType
{
    public override string ToString() => CtyTypeJson.Serialize(this);
}

public sealed record CtyMap(CtyType Element) : CtyType
{
    public override string ToString() => CtyTypeJson.Serialize(this);
}

public sealed record CtyTuple(ImmutableArray<CtyType> Elements) : CtyType
{
    public bool Equals(CtyTuple? other) => other is not null && Elements.SequenceEqual(other.Elements);

    public override int GetHashCode() => Elements.Aggregate(19, (h, e) => (h * 31) + e.GetHashCode());

    public override string ToString() => CtyTypeJson.Serialize(this);
}

/// <summary>An object type; <see cref="Optional"/> lists attributes a type constraint lets the user omit.</summary>
public sealed record CtyObject(ImmutableSortedDictionary<string, CtyType> Attributes, ImmutableSortedSet<string> Optional) : CtyType
{
    public bool Equals(CtyObject? other) =>
        other is not null
        && Attributes.Count == other.Attributes.Count
        && Attributes.All(kv => other.Attributes.TryGetValue(kv.Key, out var t) && t.Equals(kv.Value))
        && Optional.SetEquals(other.Optional);

    public override int GetHashCode() => Attributes.Aggregate(23, (h, kv) => (h * 31) + kv.Key.GetHashCode(StringComparison.Ordinal));

    public override string ToString() => CtyTypeJson.Serialize(this);
}
