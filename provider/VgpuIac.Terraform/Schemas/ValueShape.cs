using VgpuIac.Engine.Schema;
using VgpuIac.Engine.Values;

namespace VgpuIac.Terraform.Schemas;

/// <summary>
/// Puts values into the exact shape Terraform's decoder wants: every attribute and nested block present,
/// collection blocks never null, nothing the schema does not have. Also moves values between the
/// engine's shape (no door additions) and Terraform's.
/// </summary>
public static class ValueShape
{
    /// <summary>Fills missing attributes with null and missing collection blocks with empty collections; drops unknown keys.</summary>
    public static Value Conform(Value value, BlockDefinition block, ICollection<string>? dropped = null)
    {
        if (!value.IsKnown || value.IsNull)
        {
            return value;
        }

        if (value.Kind != ValueKind.Object)
        {
            throw new InvalidOperationException($"block {block.Name} needs an object value, got {value.Kind}");
        }

        var fields = new Dictionary<string, Value>(StringComparer.Ordinal);
        foreach (var attribute in block.Attributes)
        {
            fields[attribute.Name] = value[attribute.Name];
        }

        foreach (var nested in block.Blocks)
        {
            fields[nested.Name] = ConformNested(value[nested.Name], nested, dropped);
        }

        if (dropped is not null)
        {
            foreach (var key in value.Fields.Keys.Where(k => !fields.ContainsKey(k)))
            {
                dropped.Add(key);
            }
        }

        return Value.Object(fields);
    }

    private static Value ConformNested(Value value, BlockDefinition nested, ICollection<string>? dropped)
    {
        if (value.IsUnknown)
        {
            return value;
        }

        switch (nested.Nesting)
        {
            case BlockNesting.Single:
                return value.IsNull ? value : Conform(value, nested, dropped);
            case BlockNesting.List:
                return value.IsNull ? Value.EmptyList : Value.List(value.Items.Select(i => Conform(i, nested, dropped)));
            case BlockNesting.Set:
                return value.IsNull ? Value.Set([]) : Value.Set(value.Items.Select(i => Conform(i, nested, dropped)));
            default:
                return value.IsNull ? Value.EmptyMap : Value.Map(value.Fields.Select(kv => KeyValuePair.Create(kv.Key, Conform(kv.Value, nested, dropped))));
        }
    }

    /// <summary>An object without the named top-level attributes (the door's additions the engine does not know).</summary>
    public static Value Without(Value value, params string[] names)
    {
        if (value.Kind != ValueKind.Object)
        {
            return value;
        }

        return Value.Object(value.Fields.Where(kv => !names.Contains(kv.Key, StringComparer.Ordinal)));
    }

    /// <summary>Marks the values of sensitive attributes, so the engine and the log know they are secrets.</summary>
    public static Value MarkSensitive(Value value, BlockDefinition block)
    {
        if (value.Kind != ValueKind.Object)
        {
            return value;
        }

        var result = value;
        foreach (var attribute in block.Attributes.Where(a => a.Sensitive))
        {
            var field = value[attribute.Name];
            if (!field.IsNull)
            {
                result = result.With(attribute.Name, field.AsSensitive());
            }
        }

        foreach (var nested in block.Blocks)
        {
            var field = value[nested.Name];
            if (!field.IsKnown || field.IsNull)
            {
                continue;
            }

            result = result.With(nested.Name, nested.Nesting switch
            {
                BlockNesting.Single => MarkSensitive(field, nested),
                BlockNesting.List => Value.List(field.Items.Select(i => MarkSensitive(i, nested))),
                BlockNesting.Set => Value.Set(field.Items.Select(i => MarkSensitive(i, nested))),
                _ => Value.Map(field.Fields.Select(kv => KeyValuePair.Create(kv.Key, MarkSensitive(kv.Value, nested)))),
            });
        }

        return result;
    }

    /// <summary>Replaces every unknown inside <paramref name="value"/> with null; returns whether any was found.</summary>
    public static Value NullUnknowns(Value value, out bool found)
    {
        var any = false;
        var result = Walk(value);
        found = any;
        return result;

        Value Walk(Value v)
        {
            switch (v.Kind)
            {
                case ValueKind.Unknown:
                    any = true;
                    return Value.Null;
                case ValueKind.List:
                    return v.IsWhollyKnown ? v : Value.List(v.Items.Select(Walk));
                case ValueKind.Set:
                    return v.IsWhollyKnown ? v : Value.Set(v.Items.Select(Walk));
                case ValueKind.Map:
                    return v.IsWhollyKnown ? v : Value.Map(v.Fields.Select(kv => KeyValuePair.Create(kv.Key, Walk(kv.Value))));
                case ValueKind.Object:
                    return v.IsWhollyKnown ? v : Value.Object(v.Fields.Select(kv => KeyValuePair.Create(kv.Key, Walk(kv.Value))));
                default:
                    return v;
            }
        }
    }
}
