namespace VgpuIac.Engine.ProfileOverride;

/// <summary>One <c>key = value</c> line of an override section.</summary>
internal sealed record OverrideEntry(string Key, TomlScalar Value)
{
    /// <summary>
    /// True when vgpu_unlock-rs reads both values the same: byte sizes compare in bytes (<c>0x38000000</c> = <c>"896MiB"</c>),
    /// integers by value (<c>0x10</c> = <c>16</c>), strings by content.
    /// </summary>
    public bool SameValueAs(OverrideEntry other)
    {
        if (Key != other.Key)
        {
            return false;
        }

        if (OverrideKeys.Find(Key) is { Kind: OverrideValueKind.ByteSize })
        {
            var a = Bytes(Value);
            return a is not null && a == Bytes(other.Value);
        }

        return (Value.Kind, other.Value.Kind) switch
        {
            (TomlScalarKind.Integer, TomlScalarKind.Integer) => Value.Integer == other.Value.Integer,
            (TomlScalarKind.String, TomlScalarKind.String) => string.Equals(Value.Text, other.Value.Text, StringComparison.Ordinal),
            (TomlScalarKind.Boolean, TomlScalarKind.Boolean) => Value.Boolean == other.Value.Boolean,
            _ => string.Equals(Value.Source, other.Value.Source, StringComparison.Ordinal),
        };
    }

    /// <summary>The number of bytes a size value stands for; null when it is not a valid size.</summary>
    public static ulong? Bytes(TomlScalar value) => value.Kind switch
    {
        TomlScalarKind.Integer when value.Integer >= 0 => (ulong)value.Integer,
        TomlScalarKind.String => ByteSize.Parse(value.Text!, out _),
        _ => null,
    };
}
