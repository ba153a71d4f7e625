using System.Collections.Immutable;
using VgpuIac.Engine.Schema;

namespace VgpuIac.Pulumi.Model;

/// <summary>
/// The shape of a property as Pulumi sees it: attribute types and nested blocks of the neutral definitions,
/// folded into one tree the codec and the schema renderer walk.
/// </summary>
public abstract record PulumiType
{
    /// <summary>An attribute type; object types are named <paramref name="typeName"/> (nested ones get the field name appended).</summary>
    public static PulumiType From(AttrType type, string typeName) => type switch
    {
        PrimitiveType p => new PulumiPrimitive(p.Kind, p.Kind == PrimitiveKind.Number && p.WholeNumber),
        DynamicType => new PulumiDynamic(),
        ListType l => new PulumiArray(From(l.Element, typeName), IsSet: false),
        SetType s => new PulumiArray(From(s.Element, typeName), IsSet: true),
        MapType m => new PulumiMap(From(m.Element, typeName)),
        ObjectType o => new PulumiObject([.. o.Fields.Select(f => PulumiProperty.FromField(f, typeName))], typeName),
        _ => throw new NotSupportedException($"attribute type {type} has no Pulumi rendering"),
    };

    /// <summary>PascalCase of a snake_case name; <paramref name="singular"/> drops a trailing plural <c>s</c> (<c>guests</c> to <c>Guest</c>).</summary>
    public static string PascalOf(string snake, bool singular = false)
    {
        var pascal = PropertyValues.PropertyNames.ToPascal(snake);
        return singular && pascal.EndsWith('s') ? pascal[..^1] : pascal;
    }

    /// <summary>A nested block: an object, or a list/set/map of objects named <paramref name="typeName"/> in the schema.</summary>
    public static PulumiType From(BlockDefinition block, string typeName)
    {
        var element = new PulumiObject(
            [
                .. block.Attributes.Select(a => PulumiProperty.FromAttribute(a, typeName)),
                .. block.Blocks.Select(b => PulumiProperty.FromBlock(b, typeName + PropertyValues.PropertyNames.ToPascal(b.Name))),
            ],
            typeName);
        return block.Nesting switch
        {
            BlockNesting.Single => element,
            BlockNesting.List => new PulumiArray(element, IsSet: false),
            BlockNesting.Set => new PulumiArray(element, IsSet: true),
            BlockNesting.Map => new PulumiMap(element),
            _ => throw new NotSupportedException($"block nesting {block.Nesting}"),
        };
    }
}

/// <summary>A string, number or boolean; <paramref name="WholeNumber"/> makes a number an <c>integer</c> (still a double on the wire).</summary>
public sealed record PulumiPrimitive(PrimitiveKind Kind, bool WholeNumber = false) : PulumiType;

/// <summary>Any value (<c>pulumi.json#/Any</c>).</summary>
public sealed record PulumiDynamic : PulumiType;

/// <summary>A list; <paramref name="IsSet"/> makes the engine value a set (order and duplicates ignored).</summary>
public sealed record PulumiArray(PulumiType Element, bool IsSet) : PulumiType;

/// <summary>A map with string keys, kept verbatim (never renamed).</summary>
public sealed record PulumiMap(PulumiType Element) : PulumiType;

/// <summary>An object with named properties; <paramref name="TypeName"/> is its token under <c>types</c> in the schema.</summary>
public sealed record PulumiObject(ImmutableArray<PulumiProperty> Properties, string TypeName) : PulumiType
{
    public bool Equals(PulumiObject? other) => other is not null && TypeName == other.TypeName && Properties.SequenceEqual(other.Properties);

    public override int GetHashCode() => HashCode.Combine(TypeName, Properties.Length);

    public PulumiProperty? FindByCamel(string camel) => Properties.FirstOrDefault(p => p.CamelName == camel);
}
