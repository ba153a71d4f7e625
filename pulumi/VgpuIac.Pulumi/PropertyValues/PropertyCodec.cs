using System.Globalization;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using VgpuIac.Engine.Schema;
using VgpuIac.Pulumi.Model;
using EngineValue = VgpuIac.Engine.Values.Value;
using EngineKind = VgpuIac.Engine.Values.ValueKind;
using ProtoValue = Google.Protobuf.WellKnownTypes.Value;

namespace VgpuIac.Pulumi.PropertyValues;

/// <summary>
/// The one translation between Pulumi property values (<c>google.protobuf.Struct</c> with sentinels and signature
/// objects) and the engine's three-state <see cref="EngineValue"/>. Names become snake_case on the way in and
/// camelCase on the way out; secrets become <see cref="EngineValue.IsSensitive"/> and back; unknown sentinels
/// become <see cref="EngineValue.Unknown"/> and back. Top-level keys starting with <c>__</c> are internal and ignored.
/// </summary>
public static class PropertyCodec
{
    /// <summary>
    /// Decodes an object of <paramref name="shape"/>. Every property of the shape is present in the result
    /// (null where absent, or an empty collection for a list, set or map block).
    /// Unknown keys and type mismatches are added to <paramref name="failures"/>; with <paramref name="inputsOnly"/>,
    /// output-only properties count as unknown keys.
    /// </summary>
    public static EngineValue DecodeObject(Struct? properties, PulumiObject shape, DecodeMode mode, List<PropertyFailure> failures, bool inputsOnly = false) =>
        DecodeFields(properties?.Fields, shape, string.Empty, mode, failures, inputsOnly, topLevel: true);

    /// <summary>Decodes one value of type <paramref name="type"/>; <paramref name="path"/> names it in failures.</summary>
    public static EngineValue Decode(ProtoValue? value, PulumiType type, string path, DecodeMode mode, List<PropertyFailure> failures)
    {
        ArgumentNullException.ThrowIfNull(failures);
        if (value is null || value.KindCase is ProtoValue.KindOneofCase.None or ProtoValue.KindOneofCase.NullValue)
        {
            return EngineValue.Null;
        }

        if (value.KindCase == ProtoValue.KindOneofCase.StringValue && Sentinels.AllUnknowns.Contains(value.StringValue))
        {
            return EngineValue.Unknown;
        }

        if (value.KindCase == ProtoValue.KindOneofCase.StructValue && Signature(value.StructValue) is { } signature)
        {
            return DecodeSpecial(value.StructValue, signature, inner => Decode(inner, type, path, mode, failures));
        }

        switch (type)
        {
            case PulumiDynamic:
                return DecodeUntyped(value);
            case PulumiPrimitive p:
                return DecodePrimitive(value, p, path, mode, failures);
            case PulumiArray a:
            {
                if (value.KindCase == ProtoValue.KindOneofCase.StringValue && mode == DecodeMode.Config && TryParseJson(value.StringValue) is { KindCase: ProtoValue.KindOneofCase.ListValue } parsed)
                {
                    value = parsed;
                }

                if (value.KindCase != ProtoValue.KindOneofCase.ListValue)
                {
                    failures.Add(new(path, $"expected a list, got {Describe(value)}"));
                    return EngineValue.Null;
                }

                var items = value.ListValue.Values.Select((v, i) => Decode(v, a.Element, PropertyPath.Index(path, i), mode, failures)).ToList();
                return a.IsSet ? EngineValue.Set(items) : EngineValue.List(items);
            }

            case PulumiMap m:
            {
                if (value.KindCase == ProtoValue.KindOneofCase.StringValue && mode == DecodeMode.Config && TryParseJson(value.StringValue) is { KindCase: ProtoValue.KindOneofCase.StructValue } parsed)
                {
                    value = parsed;
                }

                if (value.KindCase != ProtoValue.KindOneofCase.StructValue)
                {
                    failures.Add(new(path, $"expected a map, got {Describe(value)}"));
                    return EngineValue.Null;
                }

                return EngineValue.Map(value.StructValue.Fields.Select(kv =>
                    new KeyValuePair<string, EngineValue>(kv.Key, Decode(kv.Value, m.Element, PropertyPath.Key(path, kv.Key), mode, failures))));
            }

            case PulumiObject o:
            {
                if (value.KindCase == ProtoValue.KindOneofCase.StringValue && mode == DecodeMode.Config && TryParseJson(value.StringValue) is { KindCase: ProtoValue.KindOneofCase.StructValue } parsed)
                {
                    value = parsed;
                }

                if (value.KindCase != ProtoValue.KindOneofCase.StructValue)
                {
                    failures.Add(new(path, $"expected an object, got {Describe(value)}"));
                    return EngineValue.Null;
                }

                return DecodeFields(value.StructValue.Fields, o, path, mode, failures, inputsOnly: false, topLevel: false);
            }

            default:
                throw new NotSupportedException($"Pulumi type {type}");
        }
    }

    /// <summary>Decodes without a schema: numbers become decimals, objects keep their keys.</summary>
    public static EngineValue DecodeUntyped(ProtoValue? value)
    {
        if (value is null)
        {
            return EngineValue.Null;
        }

        switch (value.KindCase)
        {
            case ProtoValue.KindOneofCase.None or ProtoValue.KindOneofCase.NullValue:
                return EngineValue.Null;
            case ProtoValue.KindOneofCase.StringValue:
                return Sentinels.AllUnknowns.Contains(value.StringValue) ? EngineValue.Unknown : EngineValue.String(value.StringValue);
            case ProtoValue.KindOneofCase.NumberValue:
                return ToNumber(value.NumberValue) is { } n ? EngineValue.Number(n) : EngineValue.String(value.NumberValue.ToString(CultureInfo.InvariantCulture));
            case ProtoValue.KindOneofCase.BoolValue:
                return EngineValue.Bool(value.BoolValue);
            case ProtoValue.KindOneofCase.ListValue:
                return EngineValue.List(value.ListValue.Values.Select(DecodeUntyped));
            default:
                if (Signature(value.StructValue) is { } signature)
                {
                    return DecodeSpecial(value.StructValue, signature, DecodeUntyped);
                }

                return EngineValue.Object(value.StructValue.Fields.Select(kv => new KeyValuePair<string, EngineValue>(kv.Key, DecodeUntyped(kv.Value))));
        }
    }

    /// <summary>
    /// Encodes an object of <paramref name="shape"/> (snake_case fields) as a Struct with camelCase keys.
    /// Nulls are left out. A property is a secret when its value is sensitive, its definition says so, or its
    /// top-level name is in <paramref name="secretProperties"/> (inputs that arrived as secrets).
    /// </summary>
    public static Struct EncodeObject(EngineValue value, PulumiObject shape, IReadOnlySet<string>? secretProperties = null, bool inputsOnly = false)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(shape);
        var result = new Struct();
        if (value.Kind != EngineKind.Object)
        {
            return result;
        }

        foreach (var property in shape.Properties)
        {
            if (inputsOnly && !property.IsInput)
            {
                continue;
            }

            var field = value[property.Name];
            if (field.IsNull)
            {
                continue;
            }

            var encoded = Encode(field, property.Type);
            var secret = property.Secret || (secretProperties?.Contains(property.CamelName) ?? false);
            result.Fields[property.CamelName] = secret && !IsSecret(encoded) ? Secret(encoded) : encoded;
        }

        return result;
    }

    /// <summary>Encodes one value of type <paramref name="type"/>.</summary>
    public static ProtoValue Encode(EngineValue value, PulumiType type)
    {
        ArgumentNullException.ThrowIfNull(value);
        var encoded = (value.Kind, type) switch
        {
            (EngineKind.Null, _) => ProtoValue.ForNull(),
            (EngineKind.Unknown, _) => ProtoValue.ForString(Sentinels.Unknown),
            (EngineKind.List or EngineKind.Set, PulumiArray a) => ProtoValue.ForList([.. value.Items.Select(i => Encode(i, a.Element))]),
            (EngineKind.Map or EngineKind.Object, PulumiMap m) => ProtoValue.ForStruct(MapStruct(value, m.Element)),
            (EngineKind.Object or EngineKind.Map, PulumiObject o) => ProtoValue.ForStruct(EncodeObject(value.AsSensitive(false), o)),
            _ => EncodeUntyped(value.AsSensitive(false)),
        };
        return value.IsSensitive && !IsSecret(encoded) ? Secret(encoded) : encoded;
    }

    /// <summary>Encodes without a schema (keys as they are).</summary>
    public static ProtoValue EncodeUntyped(EngineValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var encoded = value.Kind switch
        {
            EngineKind.Null => ProtoValue.ForNull(),
            EngineKind.Unknown => ProtoValue.ForString(Sentinels.Unknown),
            EngineKind.String => ProtoValue.ForString(value.AsString()),
            EngineKind.Number => ProtoValue.ForNumber((double)value.AsNumber()),
            EngineKind.Bool => ProtoValue.ForBool(value.AsBool()),
            EngineKind.List or EngineKind.Set => ProtoValue.ForList([.. value.Items.Select(EncodeUntyped)]),
            _ => ProtoValue.ForStruct(UntypedStruct(value)),
        };
        return value.IsSensitive && !IsSecret(encoded) ? Secret(encoded) : encoded;
    }

    /// <summary>Wraps <paramref name="inner"/> in a secret signature object.</summary>
    public static ProtoValue Secret(ProtoValue inner)
    {
        var s = new Struct();
        s.Fields[Sentinels.SignatureKey] = ProtoValue.ForString(Sentinels.SecretSignature);
        s.Fields["value"] = inner;
        return ProtoValue.ForStruct(s);
    }

    public static bool IsSecret(ProtoValue? value) =>
        value is { KindCase: ProtoValue.KindOneofCase.StructValue } && Signature(value.StructValue) == Sentinels.SecretSignature;

    /// <summary>Top-level property names whose value is a secret (or an output value marked secret).</summary>
    public static HashSet<string> SecretProperties(Struct? properties)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        if (properties is null)
        {
            return result;
        }

        foreach (var (key, value) in properties.Fields)
        {
            if (IsSecret(value) || (value.KindCase == ProtoValue.KindOneofCase.StructValue
                && Signature(value.StructValue) == Sentinels.OutputValueSignature
                && value.StructValue.Fields.TryGetValue("secret", out var s) && s.KindCase == ProtoValue.KindOneofCase.BoolValue && s.BoolValue))
            {
                result.Add(key);
            }
        }

        return result;
    }

    /// <summary>True when <paramref name="value"/> is or contains an unknown sentinel.</summary>
    public static bool ContainsUnknown(ProtoValue? value) => value?.KindCase switch
    {
        ProtoValue.KindOneofCase.StringValue => Sentinels.AllUnknowns.Contains(value.StringValue),
        ProtoValue.KindOneofCase.ListValue => value.ListValue.Values.Any(ContainsUnknown),
        ProtoValue.KindOneofCase.StructValue => (Signature(value.StructValue) == Sentinels.OutputValueSignature && !value.StructValue.Fields.ContainsKey("value"))
            || value.StructValue.Fields.Values.Any(ContainsUnknown),
        _ => false,
    };

    private static EngineValue DecodeFields(
        IDictionary<string, ProtoValue>? fields,
        PulumiObject shape,
        string path,
        DecodeMode mode,
        List<PropertyFailure> failures,
        bool inputsOnly,
        bool topLevel)
    {
        var result = new Dictionary<string, EngineValue>(StringComparer.Ordinal);
        foreach (var property in shape.Properties)
        {
            result[property.Name] = property.Absent;
        }

        if (fields is not null)
        {
            foreach (var (key, raw) in fields)
            {
                if (topLevel && key.StartsWith("__", StringComparison.Ordinal))
                {
                    continue;
                }

                var property = shape.FindByCamel(key);
                var propertyPath = PropertyPath.Property(path, key);
                if (property is null || (inputsOnly && !property.IsInput))
                {
                    failures.Add(new(propertyPath, property is null
                        ? $"unknown property \"{key}\"; known properties: {string.Join(", ", shape.Properties.Where(p => !inputsOnly || p.IsInput).Select(p => p.CamelName))}"
                        : $"\"{key}\" is an output and cannot be set"));
                    continue;
                }

                var decoded = Decode(raw, property.Type, propertyPath, mode, failures);
                result[property.Name] = decoded.IsNull && !decoded.IsSensitive ? property.Absent : decoded;
            }
        }

        return EngineValue.Object(result);
    }

    private static EngineValue DecodeSpecial(Struct special, string signature, Func<ProtoValue, EngineValue> decodeInner)
    {
        switch (signature)
        {
            case Sentinels.SecretSignature:
                return special.Fields.TryGetValue("value", out var secret) ? decodeInner(secret).AsSensitive() : EngineValue.Null.AsSensitive();
            case Sentinels.OutputValueSignature:
            {
                var isSecret = special.Fields.TryGetValue("secret", out var s) && s.KindCase == ProtoValue.KindOneofCase.BoolValue && s.BoolValue;
                var inner = special.Fields.TryGetValue("value", out var v) ? decodeInner(v) : EngineValue.Unknown;
                return isSecret ? inner.AsSensitive() : inner;
            }

            case Sentinels.ResourceReferenceSignature:
            {
                // A reference to a custom resource reads as its id, to a component as its URN (acceptResources=false semantics).
                if (special.Fields.TryGetValue("id", out var id) && id.KindCase == ProtoValue.KindOneofCase.StringValue)
                {
                    return id.StringValue.Length == 0 || Sentinels.AllUnknowns.Contains(id.StringValue) ? EngineValue.Unknown : EngineValue.String(id.StringValue);
                }

                return special.Fields.TryGetValue("urn", out var urn) && urn.KindCase == ProtoValue.KindOneofCase.StringValue
                    ? EngineValue.String(urn.StringValue)
                    : EngineValue.Unknown;
            }

            default:
                // Assets and archives: kept as plain objects (no vgpu property takes one).
                return EngineValue.Object(special.Fields.Select(kv => new KeyValuePair<string, EngineValue>(kv.Key, DecodeUntyped(kv.Value))));
        }
    }

    private static EngineValue DecodePrimitive(ProtoValue value, PulumiPrimitive type, string path, DecodeMode mode, List<PropertyFailure> failures)
    {
        var kind = type.Kind;
        switch (kind)
        {
            case PrimitiveKind.String:
                switch (value.KindCase)
                {
                    case ProtoValue.KindOneofCase.StringValue:
                        return EngineValue.String(value.StringValue);
                    case ProtoValue.KindOneofCase.NumberValue when mode == DecodeMode.Config:
                        return EngineValue.String(value.NumberValue.ToString(CultureInfo.InvariantCulture));
                    case ProtoValue.KindOneofCase.BoolValue when mode == DecodeMode.Config:
                        return EngineValue.String(value.BoolValue ? "true" : "false");
                }

                break;
            case PrimitiveKind.Number:
                if (value.KindCase == ProtoValue.KindOneofCase.NumberValue)
                {
                    if (ToNumber(value.NumberValue) is { } n)
                    {
                        return WholeNumberOrFailure(n, type, path, failures);
                    }

                    failures.Add(new(path, "expected a finite number"));
                    return EngineValue.Null;
                }

                if (value.KindCase == ProtoValue.KindOneofCase.StringValue && mode == DecodeMode.Config
                    && decimal.TryParse(value.StringValue, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed))
                {
                    return WholeNumberOrFailure(parsed, type, path, failures);
                }

                break;
            case PrimitiveKind.Bool:
                if (value.KindCase == ProtoValue.KindOneofCase.BoolValue)
                {
                    return EngineValue.Bool(value.BoolValue);
                }

                if (value.KindCase == ProtoValue.KindOneofCase.StringValue && mode == DecodeMode.Config && bool.TryParse(value.StringValue, out var b))
                {
                    return EngineValue.Bool(b);
                }

                break;
        }

        failures.Add(new(path, $"expected {Article(kind)}, got {Describe(value)}"));
        return EngineValue.Null;
    }

    // Integers travel as doubles: a fraction is a mistake the engine should never see.
    private static EngineValue WholeNumberOrFailure(decimal n, PulumiPrimitive type, string path, List<PropertyFailure> failures)
    {
        if (type.WholeNumber && n != decimal.Truncate(n))
        {
            failures.Add(new(path, $"expected an integer, got {n.ToString(CultureInfo.InvariantCulture)}"));
            return EngineValue.Null;
        }

        return EngineValue.Number(n);
    }

    private static string Article(PrimitiveKind kind) => kind switch
    {
        PrimitiveKind.String => "a string",
        PrimitiveKind.Number => "a number",
        _ => "a boolean",
    };

    private static string Describe(ProtoValue value) => value.KindCase switch
    {
        ProtoValue.KindOneofCase.StringValue => "a string",
        ProtoValue.KindOneofCase.NumberValue => "a number",
        ProtoValue.KindOneofCase.BoolValue => "a boolean",
        ProtoValue.KindOneofCase.ListValue => "a list",
        ProtoValue.KindOneofCase.StructValue => "an object",
        _ => "null",
    };

    private static decimal? ToNumber(double d)
    {
        if (double.IsNaN(d) || double.IsInfinity(d) || Math.Abs(d) > (double)decimal.MaxValue)
        {
            return null;
        }

        // Integers come as doubles (2.0): keep them exact; other values via their shortest round-trip text.
        return Math.Abs(d) < 9007199254740992d && Math.Floor(d) == d
            ? (decimal)(long)d
            : decimal.Parse(d.ToString("R", CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    private static string? Signature(Struct s) =>
        s.Fields.TryGetValue(Sentinels.SignatureKey, out var sig) && sig.KindCase == ProtoValue.KindOneofCase.StringValue ? sig.StringValue : null;

    private static Struct MapStruct(EngineValue value, PulumiType element)
    {
        var s = new Struct();
        foreach (var (key, v) in value.Fields)
        {
            s.Fields[key] = Encode(v, element);
        }

        return s;
    }

    private static Struct UntypedStruct(EngineValue value)
    {
        var s = new Struct();
        foreach (var (key, v) in value.Fields)
        {
            s.Fields[key] = EncodeUntyped(v);
        }

        return s;
    }

    private static ProtoValue? TryParseJson(string text)
    {
        var trimmed = text.TrimStart();
        if (trimmed.Length == 0 || (trimmed[0] != '{' && trimmed[0] != '['))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(text);
            return FromJson(doc.RootElement);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static ProtoValue FromJson(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => ProtoValue.ForStruct(JsonStruct(e)),
        JsonValueKind.Array => ProtoValue.ForList([.. e.EnumerateArray().Select(FromJson)]),
        JsonValueKind.String => ProtoValue.ForString(e.GetString()!),
        JsonValueKind.Number => ProtoValue.ForNumber(e.GetDouble()),
        JsonValueKind.True => ProtoValue.ForBool(true),
        JsonValueKind.False => ProtoValue.ForBool(false),
        _ => ProtoValue.ForNull(),
    };

    private static Struct JsonStruct(JsonElement e)
    {
        var s = new Struct();
        foreach (var p in e.EnumerateObject())
        {
            s.Fields[p.Name] = FromJson(p.Value);
        }

        return s;
    }
}
