using System.Buffers;
using System.Text.Json;
using VgpuIac.Engine.Values;

namespace VgpuIac.Terraform.Cty;

/// <summary>
/// cty's JSON value encoding, used for stored state (<c>RawState.json</c>). Decoding is lenient the way a
/// state upgrade needs: attributes missing from the JSON read as null and attributes the type does not
/// have are dropped (reported through <paramref name="dropped"/> on <see cref="Decode(ReadOnlySpan{byte}, CtyType, ICollection{string}?)"/>).
/// </summary>
public static class CtyJson
{
    public static Value Decode(ReadOnlySpan<byte> utf8, CtyType type, ICollection<string>? dropped = null)
    {
        try
        {
            using var document = JsonDocument.Parse(utf8.ToArray());
            return Decode(document.RootElement, type, dropped, "");
        }
        catch (JsonException e)
        {
            throw new CtyFormatException("invalid JSON value: " + e.Message, e);
        }
        catch (InvalidOperationException e)
        {
            // System.Text.Json: a string that is not valid UTF-8 is found when it is read, not when it is parsed
            throw new CtyFormatException("invalid JSON value: " + e.Message, e);
        }
        catch (ArgumentException e)
        {
            // a map or object with one key twice (JSON allows it, a cty value does not)
            throw new CtyFormatException("invalid JSON value: " + e.Message, e);
        }
    }

    private static Value Decode(JsonElement element, CtyType type, ICollection<string>? dropped, string path)
    {
        if (element.ValueKind == JsonValueKind.Null)
        {
            return Value.Null;
        }

        switch (type)
        {
            case CtyDynamic:
                if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty("type", out var typeElement) || !element.TryGetProperty("value", out var valueElement))
                {
                    throw new CtyFormatException($"{Where(path)}a dynamic value must be an object with \"value\" and \"type\"");
                }

                return Decode(valueElement, CtyTypeJson.Parse(typeElement), dropped, path);
            case CtyPrimitive { Kind: CtyPrimitiveKind.String }:
                return element.ValueKind switch
                {
                    JsonValueKind.String => Value.String(element.GetString()!),
                    JsonValueKind.Number => Value.String(element.GetRawText()),
                    JsonValueKind.True => Value.String("true"),
                    JsonValueKind.False => Value.String("false"),
                    _ => throw Mismatch(path, element, type),
                };
            case CtyPrimitive { Kind: CtyPrimitiveKind.Number }:
                return element.ValueKind switch
                {
                    JsonValueKind.Number => Value.Number(CtyNumber.Parse(element.GetRawText())),
                    JsonValueKind.String => Value.Number(CtyNumber.Parse(element.GetString()!)),
                    _ => throw Mismatch(path, element, type),
                };
            case CtyPrimitive { Kind: CtyPrimitiveKind.Bool }:
                return element.ValueKind switch
                {
                    JsonValueKind.True => Value.True,
                    JsonValueKind.False => Value.False,
                    JsonValueKind.String when element.GetString() is "true" or "false" => Value.Bool(element.GetString() == "true"),
                    _ => throw Mismatch(path, element, type),
                };
            case CtyList l:
                return Value.List(Elements(element, path, type).Select((e, i) => Decode(e, l.Element, dropped, $"{path}[{i}]")));
            case CtySet s:
                return Value.Set(Elements(element, path, type).Select((e, i) => Decode(e, s.Element, dropped, $"{path}[{i}]")));
            case CtyTuple t:
                var items = Elements(element, path, type).ToList();
                if (items.Count != t.Elements.Length)
                {
                    throw new CtyFormatException($"{Where(path)}{t} needs {t.Elements.Length} elements, got {items.Count}");
                }

                return Value.List(items.Select((e, i) => Decode(e, t.Elements[i], dropped, $"{path}[{i}]")));
            case CtyMap m:
                return Value.Map(Properties(element, path, type).Select(p => KeyValuePair.Create(p.Name, Decode(p.Value, m.Element, dropped, $"{path}[\"{p.Name}\"]"))));
            case CtyObject o:
                var fields = new Dictionary<string, Value>(StringComparer.Ordinal);
                foreach (var property in Properties(element, path, type))
                {
                    var at = path.Length == 0 ? property.Name : $"{path}.{property.Name}";
                    if (o.Attributes.TryGetValue(property.Name, out var attributeType))
                    {
                        fields[property.Name] = Decode(property.Value, attributeType, dropped, at);
                    }
                    else
                    {
                        dropped?.Add(at);
                    }
                }

                foreach (var name in o.Attributes.Keys)
                {
                    fields.TryAdd(name, Value.Null);
                }

                return Value.Object(fields);
            default:
                throw new CtyFormatException($"cannot decode {type}");
        }
    }

    private static IEnumerable<JsonElement> Elements(JsonElement element, string path, CtyType type) =>
        element.ValueKind == JsonValueKind.Array ? element.EnumerateArray() : throw Mismatch(path, element, type);

    private static IEnumerable<JsonProperty> Properties(JsonElement element, string path, CtyType type) =>
        element.ValueKind == JsonValueKind.Object ? element.EnumerateObject() : throw Mismatch(path, element, type);

    private static CtyFormatException Mismatch(string path, JsonElement element, CtyType type) =>
        new($"{Where(path)}a JSON {element.ValueKind} cannot be read as {type}");

    private static string Where(string path) => path.Length == 0 ? "" : path + ": ";

    public static byte[] Encode(Value value, CtyType type)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, value, type);
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void Write(Utf8JsonWriter writer, Value value, CtyType type)
    {
        if (value.IsUnknown)
        {
            throw new CtyFormatException("unknown values cannot be written as JSON");
        }

        if (value.IsNull)
        {
            writer.WriteNullValue();
            return;
        }

        switch (type)
        {
            case CtyDynamic:
                var concrete = CtyTypeInference.Infer(value);
                writer.WriteStartObject();
                writer.WritePropertyName("value");
                Write(writer, value, concrete);
                writer.WritePropertyName("type");
                CtyTypeJson.Write(writer, concrete);
                writer.WriteEndObject();
                break;
            case CtyPrimitive { Kind: CtyPrimitiveKind.String }: writer.WriteStringValue(value.AsString()); break;
            case CtyPrimitive { Kind: CtyPrimitiveKind.Bool }: writer.WriteBooleanValue(value.AsBool()); break;
            case CtyPrimitive { Kind: CtyPrimitiveKind.Number }: writer.WriteRawValue(CtyNumber.ToText(value.AsNumber())); break;
            case CtyList l: WriteArray(writer, value, _ => l.Element); break;
            case CtySet s: WriteArray(writer, value, _ => s.Element); break;
            case CtyTuple t: WriteArray(writer, value, i => t.Elements[i]); break;
            case CtyMap m:
                writer.WriteStartObject();
                foreach (var (key, entry) in value.Fields)
                {
                    writer.WritePropertyName(key);
                    Write(writer, entry, m.Element);
                }

                writer.WriteEndObject();
                break;
            case CtyObject o:
                writer.WriteStartObject();
                foreach (var (name, attributeType) in o.Attributes)
                {
                    writer.WritePropertyName(name);
                    Write(writer, value.Fields.TryGetValue(name, out var field) ? field : Value.Null, attributeType);
                }

                writer.WriteEndObject();
                break;
            default:
                throw new CtyFormatException($"cannot encode {type}");
        }
    }

    private static void WriteArray(Utf8JsonWriter writer, Value value, Func<int, CtyType> elementType)
    {
        writer.WriteStartArray();
        var items = value.Items;
        for (var i = 0; i < items.Length; i++)
        {
            Write(writer, items[i], elementType(i));
        }

        writer.WriteEndArray();
    }
}
