using System.Collections.Immutable;
using System.Globalization;
using VgpuIac.Engine.Nodes;
using VgpuIac.Engine.Values;
using D = VgpuIac.Engine.ProfileOverride.ProfileOverrideDefinition;

namespace VgpuIac.Engine.ProfileOverride;

/// <summary>What the node says about one section: its keys as read back from the file.</summary>
internal sealed record ProfileOverrideState
{
    public required string Node { get; init; }

    public required OverrideSection Section { get; init; }

    /// <summary>The type name the user resolved the type from (kept from configuration; the file does not hold it).</summary>
    public string? MdevTypeName { get; init; }

    /// <summary>Known keys with a value of the type vgpu_unlock-rs accepts, as attribute values.</summary>
    public ImmutableSortedDictionary<string, Value> Settings { get; init; } = ImmutableSortedDictionary<string, Value>.Empty;

    /// <summary>Unknown keys and keys with values vgpu_unlock-rs rejects.</summary>
    public ImmutableArray<string> UnmanagedKeys { get; init; } = [];

    public ImmutableArray<long> RestartRequiredVms { get; init; } = [];

    /// <summary>The section's text before the resource took it over (create over an existing section, or import); null when it created it.</summary>
    public string? AdoptedSection { get; init; }

    /// <summary>Owner and mode of the file, by path (<see cref="Remote.NodeFileMode.ToValue"/>); null when not read.</summary>
    public Value FileModes { get; init; } = Value.Null;

    /// <summary>
    /// Builds the state from the section's lines. Size values equal (in bytes) to the size text in <paramref name="textSource"/>
    /// (the plan or the prior state) keep that text, so <c>"896MiB"</c> does not turn into <c>0x38000000</c>.
    /// </summary>
    public static ProfileOverrideState FromEntries(string node, OverrideSection section, IEnumerable<OverrideEntry> entries, Value? textSource, ImmutableArray<long> restartRequiredVms)
    {
        var settings = ImmutableSortedDictionary.CreateBuilder<string, Value>(StringComparer.Ordinal);
        var unmanaged = ImmutableArray.CreateBuilder<string>();
        foreach (var entry in entries)
        {
            var key = OverrideKeys.Find(entry.Key);
            var value = key is null ? null : ToAttribute(key, entry.Value, textSource?[key.Name]);
            if (value is null)
            {
                unmanaged.Add(entry.Key);
            }
            else
            {
                settings[key!.Name] = value;
            }
        }

        return new ProfileOverrideState
        {
            Node = node,
            Section = section,
            MdevTypeName = textSource?[D.MdevTypeName].StringOrNull,
            Settings = settings.ToImmutable(),
            UnmanagedKeys = unmanaged.ToImmutable(),
            RestartRequiredVms = restartRequiredVms,
        };
    }

    private static Value? ToAttribute(OverrideKey key, TomlScalar scalar, Value? text)
    {
        switch (key.Kind)
        {
            case OverrideValueKind.Text:
                return scalar.Kind == TomlScalarKind.String ? Value.String(scalar.Text!) : null;
            case OverrideValueKind.ByteSize:
                var bytes = OverrideEntry.Bytes(scalar);
                if (bytes is null)
                {
                    return null;
                }

                if (text?.StringOrNull is { } configured && ByteSize.Parse(configured, out _) == bytes)
                {
                    return text;
                }

                return Value.String(scalar.Kind == TomlScalarKind.String ? scalar.Text!
                    : scalar.Source.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && !scalar.Source.Contains('_', StringComparison.Ordinal) ? scalar.Source
                    : bytes.Value.ToString(CultureInfo.InvariantCulture));
            default:
                var max = key.Kind == OverrideValueKind.Unsigned32 || key.Kind == OverrideValueKind.Flag ? uint.MaxValue : long.MaxValue;
                return scalar.Kind == TomlScalarKind.Integer && scalar.Integer >= 0 && scalar.Integer <= max ? Value.Number(scalar.Integer) : null;
        }
    }

    public Value ToValue()
    {
        var fields = new Dictionary<string, Value>(StringComparer.Ordinal)
        {
            [ProviderSchema.NodeAttribute.Name] = Value.String(Node),
            [D.MdevType] = Section.Kind == OverrideTargetKind.Profile ? Value.String(Section.Key) : Value.Null,
            [D.MdevTypeName] = Section.Kind == OverrideTargetKind.Profile ? Value.FromString(MdevTypeName) : Value.Null,
            [D.Vmid] = Section.Kind == OverrideTargetKind.Vm ? Value.Number(long.Parse(Section.Key, CultureInfo.InvariantCulture)) : Value.Null,
            [D.MdevUuid] = Section.Kind == OverrideTargetKind.Mdev ? Value.String(Section.Key) : Value.Null,
            [D.Section] = Value.String(Section.Name),
            [D.Id] = Value.String(D.IdOf(Node, Section)),
            [D.RestartRequiredVms] = Value.List(RestartRequiredVms.Select(v => Value.Number(v))),
            [D.UnmanagedKeys] = Value.FromStrings(UnmanagedKeys),
            [D.AdoptedSection] = Value.FromString(AdoptedSection),
            [Remote.NodeFileMode.AttributeName] = FileModes,
        };
        foreach (var key in OverrideKeys.All)
        {
            var value = Settings.GetValueOrDefault(key.Name, Value.Null);
            fields[key.Name] = value;
            if (key.Kind == OverrideValueKind.ByteSize)
            {
                var bytes = value.StringOrNull is { } text ? ByteSize.Parse(text, out _) : null;
                fields[key.BytesAttribute] = bytes is null ? Value.Null : Value.Number(bytes.Value);
            }
        }

        return Value.Object(fields);
    }
}
