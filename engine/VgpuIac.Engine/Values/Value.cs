using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace VgpuIac.Engine.Values;

/// <summary>
/// A three-state configuration value (known, unknown, null) shared by both front doors.
/// Terraform's cty values and Pulumi's property values are mapped onto this; the engine never sees
/// protocol types. Values are immutable and compare structurally.
/// </summary>
public sealed class Value : IEquatable<Value>
{
    private readonly string? _text;
    private readonly decimal _number;
    private readonly bool _bool;
    private readonly ImmutableArray<Value> _items;
    private readonly ImmutableSortedDictionary<string, Value>? _fields;

    private Value(ValueKind kind, string? text = null, decimal number = 0, bool boolean = false,
        ImmutableArray<Value> items = default, ImmutableSortedDictionary<string, Value>? fields = null, bool sensitive = false)
    {
        Kind = kind;
        _text = text;
        _number = number;
        _bool = boolean;
        _items = items;
        _fields = fields;
        IsSensitive = sensitive;
    }

    /// <summary>Which state or shape this value has; the accessors below throw for the wrong one.</summary>
    public ValueKind Kind { get; }

    /// <summary>Marks a secret (Pulumi secrets, Terraform sensitive attributes). Not part of equality.</summary>
    public bool IsSensitive { get; }

    /// <summary>The null value: the attribute is not set.</summary>
    public static Value Null { get; } = new(ValueKind.Null);

    /// <summary>A value not known until apply (Terraform's unknown, Pulumi's computed).</summary>
    public static Value Unknown { get; } = new(ValueKind.Unknown);

    /// <summary>The boolean true.</summary>
    public static Value True { get; } = new(ValueKind.Bool, boolean: true);

    /// <summary>The boolean false.</summary>
    public static Value False { get; } = new(ValueKind.Bool, boolean: false);

    /// <summary>A list with no elements.</summary>
    public static Value EmptyList { get; } = new(ValueKind.List, items: ImmutableArray<Value>.Empty);

    /// <summary>A map with no entries.</summary>
    public static Value EmptyMap { get; } = new(ValueKind.Map, fields: ImmutableSortedDictionary<string, Value>.Empty.WithComparers(StringComparer.Ordinal));

    /// <summary>True when the attribute is not set.</summary>
    public bool IsNull => Kind == ValueKind.Null;

    /// <summary>True when the value is only known at apply time.</summary>
    public bool IsUnknown => Kind == ValueKind.Unknown;

    /// <summary>True when the value is null or has a known shape (its elements may still be unknown).</summary>
    public bool IsKnown => Kind != ValueKind.Unknown;

    /// <summary>True when this value and everything inside it is known.</summary>
    public bool IsWhollyKnown => Kind switch
    {
        ValueKind.Unknown => false,
        ValueKind.List or ValueKind.Set => _items.All(i => i.IsWhollyKnown),
        ValueKind.Map or ValueKind.Object => _fields!.Values.All(v => v.IsWhollyKnown),
        _ => true,
    };

    /// <summary>A known string.</summary>
    public static Value String(string text) => new(ValueKind.String, text: text ?? throw new ArgumentNullException(nameof(text)));

    /// <summary>A known number; integers and decimals alike.</summary>
    public static Value Number(decimal number) => new(ValueKind.Number, number: number);

    /// <summary>A known boolean.</summary>
    public static Value Bool(bool value) => value ? True : False;

    /// <summary>A list of <paramref name="items"/>, in order.</summary>
    public static Value List(IEnumerable<Value> items) => new(ValueKind.List, items: items.ToImmutableArray());

    /// <summary>A list of <paramref name="items"/>, in order.</summary>
    public static Value List(params Value[] items) => new(ValueKind.List, items: items.ToImmutableArray());

    /// <summary>A set; duplicates are removed and the order is made canonical.</summary>
    public static Value Set(IEnumerable<Value> items)
    {
        var distinct = new List<Value>();
        foreach (var item in items)
        {
            if (!distinct.Contains(item))
            {
                distinct.Add(item);
            }
        }

        distinct.Sort(static (a, b) => string.CompareOrdinal(a.ToString(), b.ToString()));
        return new(ValueKind.Set, items: distinct.ToImmutableArray());
    }

    /// <summary>A map with string keys; keys are kept in ordinal order.</summary>
    public static Value Map(IEnumerable<KeyValuePair<string, Value>> entries) =>
        new(ValueKind.Map, fields: entries.ToImmutableSortedDictionary(StringComparer.Ordinal));

    /// <summary>An object with these attributes; attribute names are kept in ordinal order.</summary>
    public static Value Object(IEnumerable<KeyValuePair<string, Value>> fields) =>
        new(ValueKind.Object, fields: fields.ToImmutableSortedDictionary(StringComparer.Ordinal));

    /// <summary>An object with these attributes; attribute names are kept in ordinal order.</summary>
    public static Value Object(params (string Name, Value Value)[] fields) =>
        Object(fields.Select(f => new KeyValuePair<string, Value>(f.Name, f.Value)));

    /// <summary>Null for a null C# string, otherwise a known string.</summary>
    public static Value FromString(string? text) => text is null ? Null : String(text);

    /// <summary>Null for a null number, otherwise a known number.</summary>
    public static Value FromNumber(long? number) => number is null ? Null : Number(number.Value);

    /// <summary>Null for a null boolean, otherwise a known boolean.</summary>
    public static Value FromBool(bool? value) => value is null ? Null : Bool(value.Value);

    /// <summary>A list of known strings, in order.</summary>
    public static Value FromStrings(IEnumerable<string> items) => List(items.Select(String));

    /// <summary>This value marked secret (or not); the content is the same.</summary>
    public Value AsSensitive(bool sensitive = true) =>
        sensitive == IsSensitive ? this : new(Kind, _text, _number, _bool, _items, _fields, sensitive);

    /// <summary>The text of a known string; throws for any other kind.</summary>
    public string AsString() => Kind == ValueKind.String ? _text! : throw Wrong(ValueKind.String);

    /// <summary>The number of a known number; throws for any other kind.</summary>
    public decimal AsNumber() => Kind == ValueKind.Number ? _number : throw Wrong(ValueKind.Number);

    /// <summary>A known number as a 64-bit integer (the fraction is dropped); throws for any other kind.</summary>
    public long AsInt64() => Kind == ValueKind.Number ? decimal.ToInt64(_number) : throw Wrong(ValueKind.Number);

    /// <summary>The truth of a known boolean; throws for any other kind.</summary>
    public bool AsBool() => Kind == ValueKind.Bool ? _bool : throw Wrong(ValueKind.Bool);

    /// <summary>Elements of a list or set.</summary>
    public ImmutableArray<Value> Items => Kind is ValueKind.List or ValueKind.Set ? _items : throw Wrong(ValueKind.List);

    /// <summary>Entries of a map or the attributes of an object.</summary>
    public ImmutableSortedDictionary<string, Value> Fields => Kind is ValueKind.Map or ValueKind.Object ? _fields! : throw Wrong(ValueKind.Object);

    /// <summary>An attribute of an object; a missing attribute reads as null.</summary>
    public Value this[string name] => Kind == ValueKind.Object && _fields!.TryGetValue(name, out var v) ? v : Null;

    /// <summary>Returns a copy of this object with one attribute set.</summary>
    public Value With(string name, Value value) =>
        Kind == ValueKind.Object ? new(ValueKind.Object, fields: _fields!.SetItem(name, value), sensitive: IsSensitive) : throw Wrong(ValueKind.Object);

    /// <summary>Known string or null (unknown and null both give null).</summary>
    public string? StringOrNull => Kind == ValueKind.String ? _text : null;

    /// <summary>A known number as a 64-bit integer, or null for any other kind.</summary>
    public long? Int64OrNull => Kind == ValueKind.Number ? decimal.ToInt64(_number) : null;

    /// <summary>A known number, or null for any other kind.</summary>
    public decimal? NumberOrNull => Kind == ValueKind.Number ? _number : null;

    /// <summary>A known boolean, or null for any other kind.</summary>
    public bool? BoolOrNull => Kind == ValueKind.Bool ? _bool : null;

    private InvalidOperationException Wrong(ValueKind expected) => new($"value is {Kind}, not {expected}");

    /// <summary>Structural equality: same kind and equal content; sensitivity does not count.</summary>
    public bool Equals(Value? other)
    {
        if (other is null || other.Kind != Kind)
        {
            return false;
        }

        return Kind switch
        {
            ValueKind.Null or ValueKind.Unknown => true,
            ValueKind.String => string.Equals(_text, other._text, StringComparison.Ordinal),
            ValueKind.Number => _number == other._number,
            ValueKind.Bool => _bool == other._bool,
            ValueKind.List or ValueKind.Set => _items.SequenceEqual(other._items),
            _ => _fields!.Count == other._fields!.Count && _fields.All(kv => other._fields.TryGetValue(kv.Key, out var o) && kv.Value.Equals(o)),
        };
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Value v && Equals(v);

    /// <inheritdoc/>
    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);

    /// <summary>A compact, deterministic rendering (used for set ordering, hashing and messages).</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        Render(sb);
        return sb.ToString();
    }

    private void Render(StringBuilder sb)
    {
        switch (Kind)
        {
            case ValueKind.Null: sb.Append("null"); break;
            case ValueKind.Unknown: sb.Append("(known after apply)"); break;
            case ValueKind.String: sb.Append('"').Append(_text!.Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"'); break;
            case ValueKind.Number: sb.Append(_number.ToString(CultureInfo.InvariantCulture)); break;
            case ValueKind.Bool: sb.Append(_bool ? "true" : "false"); break;
            case ValueKind.List or ValueKind.Set:
                sb.Append('[');
                for (var i = 0; i < _items.Length; i++)
                {
                    if (i > 0) { sb.Append(','); }
                    _items[i].Render(sb);
                }

                sb.Append(']');
                break;
            default:
                sb.Append('{');
                var first = true;
                foreach (var kv in _fields!)
                {
                    if (!first) { sb.Append(','); }
                    first = false;
                    sb.Append(kv.Key).Append('=');
                    kv.Value.Render(sb);
                }

                sb.Append('}');
                break;
        }
    }
}
