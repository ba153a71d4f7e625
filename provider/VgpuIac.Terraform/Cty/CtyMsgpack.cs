using System.Buffers;
using System.Collections.Immutable;
using MessagePack;
using VgpuIac.Engine.Values;

namespace VgpuIac.Terraform.Cty;

/// <summary>
/// cty's msgpack encoding (what Terraform sends in <c>DynamicValue.msgpack</c>), written with the
/// low-level MessagePack reader/writer only (AOT-safe). Unknown is extension 0; refined unknowns
/// (extension 12) are read and their refinements dropped.
/// </summary>
public static class CtyMsgpack
{
    private const sbyte UnknownExtension = 0;
    private static readonly byte[] UnknownBody = [0];

    public static byte[] Encode(Value value, CtyType type)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        Write(ref writer, value, type);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    public static Value Decode(ReadOnlyMemory<byte> bytes, CtyType type)
    {
        var reader = new MessagePackReader(bytes);
        try
        {
            var value = Read(ref reader, type);
            if (!reader.End)
            {
                throw new CtyFormatException("extra bytes after the msgpack value");
            }

            return value;
        }
        catch (MessagePackSerializationException e)
        {
            throw new CtyFormatException("malformed msgpack: " + e.Message, e);
        }
        catch (EndOfStreamException e)
        {
            throw new CtyFormatException("truncated msgpack value", e);
        }
        catch (ArgumentException e)
        {
            // a map or object with one key twice
            throw new CtyFormatException("malformed msgpack: " + e.Message, e);
        }
    }

    private static void Write(ref MessagePackWriter writer, Value value, CtyType type)
    {
        if (value.IsUnknown)
        {
            writer.WriteExtensionFormat(new ExtensionResult(UnknownExtension, UnknownBody));
            return;
        }

        if (value.IsNull)
        {
            writer.WriteNil();
            return;
        }

        switch (type)
        {
            case CtyDynamic:
                var concrete = CtyTypeInference.Infer(value);
                writer.WriteArrayHeader(2);
                writer.Write(CtyTypeJson.ToUtf8(concrete).AsSpan());
                Write(ref writer, value, concrete);
                break;
            case CtyPrimitive { Kind: CtyPrimitiveKind.String }:
                writer.Write(Expect(value, ValueKind.String, type).AsString());
                break;
            case CtyPrimitive { Kind: CtyPrimitiveKind.Bool }:
                writer.Write(Expect(value, ValueKind.Bool, type).AsBool());
                break;
            case CtyPrimitive { Kind: CtyPrimitiveKind.Number }:
                WriteNumber(ref writer, Expect(value, ValueKind.Number, type).AsNumber());
                break;
            case CtyList l:
                WriteItems(ref writer, ExpectItems(value, type), l.Element);
                break;
            case CtySet s:
                WriteItems(ref writer, ExpectItems(value, type), s.Element);
                break;
            case CtyTuple t:
                var items = ExpectItems(value, type);
                if (items.Length != t.Elements.Length)
                {
                    throw new CtyFormatException($"a tuple of {t.Elements.Length} elements cannot hold {items.Length} values");
                }

                writer.WriteArrayHeader(items.Length);
                for (var i = 0; i < items.Length; i++)
                {
                    Write(ref writer, items[i], t.Elements[i]);
                }

                break;
            case CtyMap m:
                var entries = ExpectFields(value, type);
                writer.WriteMapHeader(entries.Count);
                foreach (var (key, entry) in entries)
                {
                    writer.Write(key);
                    Write(ref writer, entry, m.Element);
                }

                break;
            case CtyObject o:
                var fields = ExpectFields(value, type);
                foreach (var key in fields.Keys)
                {
                    if (!o.Attributes.ContainsKey(key))
                    {
                        throw new CtyFormatException($"unsupported attribute \"{key}\" for {type}");
                    }
                }

                writer.WriteMapHeader(o.Attributes.Count);
                foreach (var (name, attributeType) in o.Attributes)
                {
                    writer.Write(name);
                    Write(ref writer, fields.TryGetValue(name, out var field) ? field : Value.Null, attributeType);
                }

                break;
            default:
                throw new CtyFormatException($"cannot encode {type}");
        }
    }

    private static void WriteNumber(ref MessagePackWriter writer, decimal number)
    {
        if (CtyNumber.TryAsInt64(number, out var integer))
        {
            writer.Write(integer);
        }
        else if (CtyNumber.TryAsExactDouble(number, out var real))
        {
            writer.Write(real);
        }
        else
        {
            writer.Write(CtyNumber.ToText(number));
        }
    }

    private static void WriteItems(ref MessagePackWriter writer, ImmutableArray<Value> items, CtyType element)
    {
        writer.WriteArrayHeader(items.Length);
        foreach (var item in items)
        {
            Write(ref writer, item, element);
        }
    }

    private static Value Expect(Value value, ValueKind kind, CtyType type) =>
        value.Kind == kind ? value : throw new CtyFormatException($"a {value.Kind} value cannot be encoded as {type}");

    private static ImmutableArray<Value> ExpectItems(Value value, CtyType type) =>
        value.Kind is ValueKind.List or ValueKind.Set ? value.Items : throw new CtyFormatException($"a {value.Kind} value cannot be encoded as {type}");

    private static ImmutableSortedDictionary<string, Value> ExpectFields(Value value, CtyType type) =>
        value.Kind is ValueKind.Map or ValueKind.Object ? value.Fields : throw new CtyFormatException($"a {value.Kind} value cannot be encoded as {type}");

    private static Value Read(ref MessagePackReader reader, CtyType type)
    {
        if (reader.NextMessagePackType == MessagePackType.Extension)
        {
            // Any extension is an unknown; code 12 carries refinements we do not need. Read exactly its body.
            _ = reader.ReadExtensionFormat();
            return Value.Unknown;
        }

        if (reader.TryReadNil())
        {
            return Value.Null;
        }

        switch (type)
        {
            case CtyDynamic:
                if (reader.ReadArrayHeader() != 2)
                {
                    throw new CtyFormatException("a dynamic value must be a [type, value] pair");
                }

                var typeJson = reader.NextMessagePackType == MessagePackType.String
                    ? ReadStringBytes(ref reader)
                    : reader.ReadBytes()?.ToArray() ?? throw new CtyFormatException("a dynamic value's type is missing");
                return Read(ref reader, CtyTypeJson.Parse(typeJson));
            case CtyPrimitive { Kind: CtyPrimitiveKind.String }:
                return reader.NextMessagePackType == MessagePackType.Binary
                    ? Value.String(System.Text.Encoding.UTF8.GetString(reader.ReadBytes()!.Value.ToArray()))
                    : Value.String(reader.ReadString() ?? throw new CtyFormatException("string expected"));
            case CtyPrimitive { Kind: CtyPrimitiveKind.Bool }:
                return Value.Bool(reader.ReadBoolean());
            case CtyPrimitive { Kind: CtyPrimitiveKind.Number }:
                return Value.Number(ReadNumber(ref reader));
            case CtyList l:
                return Value.List(ReadItems(ref reader, _ => l.Element));
            case CtySet s:
                return Value.Set(ReadItems(ref reader, _ => s.Element));
            case CtyTuple t:
                var tuple = ReadItems(ref reader, i => i < t.Elements.Length ? t.Elements[i] : throw new CtyFormatException($"too many elements for {t}"));
                return tuple.Count == t.Elements.Length ? Value.List(tuple) : throw new CtyFormatException($"{t} needs {t.Elements.Length} elements, got {tuple.Count}");
            case CtyMap m:
                return Value.Map(ReadEntries(ref reader, _ => m.Element));
            case CtyObject o:
                var fields = ReadEntries(ref reader, name => o.Attributes.TryGetValue(name, out var at) ? at : throw new CtyFormatException($"unsupported attribute \"{name}\""));
                if (fields.Count != o.Attributes.Count)
                {
                    throw new CtyFormatException($"an object with {o.Attributes.Count} attributes is required, got {fields.Count}");
                }

                return Value.Object(fields);
            default:
                throw new CtyFormatException($"cannot decode {type}");
        }
    }

    private static decimal ReadNumber(ref MessagePackReader reader)
    {
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Integer:
                return reader.NextCode == MessagePackCode.UInt64 ? reader.ReadUInt64() : reader.ReadInt64();
            case MessagePackType.Float:
                return CtyNumber.FromDouble(reader.ReadDouble());
            case MessagePackType.String:
                return CtyNumber.Parse(reader.ReadString()!);
            default:
                throw new CtyFormatException($"number expected, got msgpack {reader.NextMessagePackType}");
        }
    }

    private static byte[] ReadStringBytes(ref MessagePackReader reader)
    {
        var text = reader.ReadString() ?? throw new CtyFormatException("string expected");
        return System.Text.Encoding.UTF8.GetBytes(text);
    }

    private static List<Value> ReadItems(ref MessagePackReader reader, Func<int, CtyType> elementType)
    {
        var count = reader.ReadArrayHeader();
        var items = new List<Value>(count);
        for (var i = 0; i < count; i++)
        {
            items.Add(Read(ref reader, elementType(i)));
        }

        return items;
    }

    private static List<KeyValuePair<string, Value>> ReadEntries(ref MessagePackReader reader, Func<string, CtyType> entryType)
    {
        var count = reader.ReadMapHeader();
        var entries = new List<KeyValuePair<string, Value>>(count);
        for (var i = 0; i < count; i++)
        {
            var key = reader.ReadString() ?? throw new CtyFormatException("map keys must be strings");
            entries.Add(KeyValuePair.Create(key, Read(ref reader, entryType(key))));
        }

        return entries;
    }
}
