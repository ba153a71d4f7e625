using VgpuIac.Engine.Schema;
using VgpuIac.Terraform.Cty;

namespace VgpuIac.Terraform.Schemas;

/// <summary>The cty types Terraform implies from a schema (attributes and nested blocks).</summary>
public static class TerraformType
{
    public static CtyType Of(AttrType type) => type switch
    {
        PrimitiveType { Kind: PrimitiveKind.String } => CtyType.String,
        PrimitiveType { Kind: PrimitiveKind.Number } => CtyType.Number,
        PrimitiveType { Kind: PrimitiveKind.Bool } => CtyType.Bool,
        DynamicType => CtyType.Dynamic,
        ListType l => CtyType.List(Of(l.Element)),
        SetType s => CtyType.Set(Of(s.Element)),
        MapType m => CtyType.Map(Of(m.Element)),
        ObjectType o => CtyType.Object(o.Fields.Select(f => KeyValuePair.Create(f.Name, Of(f.Type))), o.Fields.Where(f => f.Optional).Select(f => f.Name)),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unsupported attribute type"),
    };

    /// <summary>The object type of a block: one attribute per attribute and per nested block.</summary>
    public static CtyObject Of(BlockDefinition block)
    {
        var attributes = block.Attributes.Select(a => KeyValuePair.Create(a.Name, Of(a.Type)))
            .Concat(block.Blocks.Select(b => KeyValuePair.Create(b.Name, OfNested(b))));
        return (CtyObject)CtyType.Object(attributes);
    }

    private static CtyType OfNested(BlockDefinition nested)
    {
        var element = Of(nested);
        return nested.Nesting switch
        {
            BlockNesting.Single => element,
            BlockNesting.List => element.HasDynamic ? CtyType.Dynamic : CtyType.List(element),
            BlockNesting.Set => CtyType.Set(element),
            BlockNesting.Map => element.HasDynamic ? CtyType.Dynamic : CtyType.Map(element),
            _ => throw new ArgumentOutOfRangeException(nameof(nested), nested.Nesting, "unsupported nesting"),
        };
    }
}
