using VgpuIac.Engine.Values;

namespace VgpuIac.Terraform.Cty;

/// <summary>
/// The concrete type of a value held by a <c>dynamic</c> attribute. Values carry no cty type, so this
/// picks the natural one: homogeneous lists/maps stay collections, mixed ones become tuples/objects.
/// </summary>
public static class CtyTypeInference
{
    public static CtyType Infer(Value value) => value.Kind switch
    {
        ValueKind.String => CtyType.String,
        ValueKind.Number => CtyType.Number,
        ValueKind.Bool => CtyType.Bool,
        ValueKind.Null or ValueKind.Unknown => CtyType.Dynamic,
        ValueKind.List => Homogeneous(value.Items.Select(Infer).ToList()) is { } e ? CtyType.List(e) : new CtyTuple([.. value.Items.Select(Infer)]),
        ValueKind.Set => CtyType.Set(Homogeneous(value.Items.Select(Infer).ToList()) ?? CtyType.String),
        ValueKind.Map => Homogeneous(value.Fields.Values.Select(Infer).ToList()) is { } m ? CtyType.Map(m) : CtyType.Object(value.Fields.Select(kv => KeyValuePair.Create(kv.Key, Infer(kv.Value)))),
        _ => CtyType.Object(value.Fields.Select(kv => KeyValuePair.Create(kv.Key, Infer(kv.Value)))),
    };

    private static CtyType? Homogeneous(List<CtyType> types)
    {
        return types.Count > 0 && types.All(t => t.Equals(types[0])) && types[0] is not CtyDynamic ? types[0] : null;
    }
}
