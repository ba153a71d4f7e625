using System.Buffers;
using System.Text;
using System.Text.Json;

namespace VgpuIac.Terraform.Cty;

/// <summary>cty's JSON type notation: <c>"string"</c>, <c>["list","number"]</c>, <c>["object",{"a":"bool"},["a"]]</c>.</summary>
public static class CtyTypeJson
{
    public static byte[] ToUtf8(CtyType type)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, type);
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static string Serialize(CtyType type) => Encoding.UTF8.GetString(ToUtf8(type));

    public static void Write(Utf8JsonWriter writer, CtyType type)
    {
        switch (type)
        {
            case CtyPrimitive { Kind: CtyPrimitiveKind.String }: writer.WriteStringValue("string"); break;
            case CtyPrimitive { Kind: CtyPrimitiveKind.Number }: writer.WriteStringValue("number"); break;
            case CtyPrimitive { Kind: CtyPrimitiveKind.Bool }: writer.WriteStringValue("bool"); break;
            case CtyDynamic: writer.WriteStringValue("dynamic"); break;
            case CtyList l: WriteCollection(writer, "list", l.Element); break;
            case CtySet s: WriteCollection(writer, "set", s.Element); break;
            case CtyMap m: WriteCollection(writer, "map", m.Element); break;
            case CtyTuple t:
                writer.WriteStartArray();
                writer.WriteStringValue("tuple");
                writer.WriteStartArray();
                foreach (var e in t.Elements)
                {
                    Write(writer, e);
                }

                writer.WriteEndArray();
                writer.WriteEndArray();
                break;
            case CtyObject o:
                writer.WriteStartArray();
                writer.WriteStringValue("object");
                writer.WriteStartObject();
                foreach (var (name, attributeType) in o.Attributes)
                {
                    writer.WritePropertyName(name);
                    Write(writer, attributeType);
                }

                writer.WriteEndObject();
                if (o.Optional.Count > 0)
                {
                    writer.WriteStartArray();
                    foreach (var name in o.Optional)
                    {
                        writer.WriteStringValue(name);
                    }

                    writer.WriteEndArray();
                }

                writer.WriteEndArray();
                break;
            default: throw new ArgumentOutOfRangeException(nameof(type), type, "unsupported cty type");
        }
    }

    private static void WriteCollection(Utf8JsonWriter writer, string kind, CtyType element)
    {
        writer.WriteStartArray();
        writer.WriteStringValue(kind);
        Write(writer, element);
        writer.WriteEndArray();
    }

    public static CtyType Parse(ReadOnlySpan<byte> utf8)
    {
        try
        {
            using var document = JsonDocument.Parse(utf8.ToArray());
            return Parse(document.RootElement);
        }
        catch (JsonException e)
        {
            throw new CtyFormatException("invalid cty type JSON: " + e.Message, e);
        }
        catch (InvalidOperationException e)
        {
            // a string that is not valid UTF-8 is found when it is read
            throw new CtyFormatException("invalid cty type JSON: " + e.Message, e);
        }
    }

    public static CtyType Parse(string json) => Parse(Encoding.UTF8.GetBytes(json));

    public static CtyType Parse(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.String)
        {
            return element.GetString() switch
            {
                "string" => CtyType.String,
                "number" => CtyType.Number,
                "bool" => CtyType.Bool,
                "dynamic" => CtyType.Dynamic,
                var other => throw new CtyFormatException($"unsupported primitive type \"{other}\""),
            };
        }

        if (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() < 2)
        {
            throw new CtyFormatException("a cty type must be a string or an array of at least two elements");
        }

        var kind = element[0].GetString();
        switch (kind)
        {
            case "list": return CtyType.List(Parse(element[1]));
            case "set": return CtyType.Set(Parse(element[1]));
            case "map": return CtyType.Map(Parse(element[1]));
            case "tuple":
                return new CtyTuple([.. element[1].EnumerateArray().Select(Parse)]);
            case "object":
                var attributes = element[1].EnumerateObject().Select(p => KeyValuePair.Create(p.Name, Parse(p.Value))).ToList();
                var optional = element.GetArrayLength() > 2 ? element[2].EnumerateArray().Select(e => e.GetString()!).ToList() : [];
                return CtyType.Object(attributes, optional);
            default:
                throw new CtyFormatException($"unsupported cty type kind \"{kind}\"");
        }
    }
}
