using System.Collections.Immutable;
using VgpuIac.Engine.Nodes;
using VgpuIac.Engine.Values;
using D = VgpuIac.Engine.ProfileOverride.ProfileOverrideDefinition;

namespace VgpuIac.Engine.ProfileOverride;

/// <summary>What the user wants: the target and the override keys (values may be unknown while planning).</summary>
internal sealed record ProfileOverrideSpec
{
    public string? Node { get; init; }

    public required Value MdevType { get; init; }

    public required Value MdevTypeName { get; init; }

    public required Value Vmid { get; init; }

    public required Value MdevUuid { get; init; }

    /// <summary>Override key → configured value (null entries left out).</summary>
    public ImmutableSortedDictionary<string, Value> Settings { get; init; } = ImmutableSortedDictionary<string, Value>.Empty;

    public static ProfileOverrideSpec FromValue(Value value) => new()
    {
        Node = value[ProviderSchema.NodeAttribute.Name].StringOrNull,
        MdevType = value[D.MdevType],
        MdevTypeName = value[D.MdevTypeName],
        Vmid = value[D.Vmid],
        MdevUuid = value[D.MdevUuid],
        Settings = OverrideKeys.All
            .Where(k => !value[k.Name].IsNull)
            .ToImmutableSortedDictionary(k => k.Name, k => value[k.Name], StringComparer.Ordinal),
    };

    /// <summary>The section once the target is known; null while it is unknown (or not set).</summary>
    public OverrideSection? Section =>
        MdevType.StringOrNull is { } type ? OverrideSection.ForType(type)
        : Vmid.Int64OrNull is { } vmid ? OverrideSection.ForVm(vmid)
        : MdevUuid.StringOrNull is { } uuid ? OverrideSection.ForMdev(uuid)
        : null;

    /// <summary>
    /// The lines the section must hold, in the provider's key order; null while a value is unknown.
    /// Byte sizes become integers (<c>"896MiB"</c> → <c>0x38000000</c>); flags and numbers integers; text a TOML string.
    /// </summary>
    public ImmutableArray<OverrideEntry>? DesiredEntries()
    {
        var entries = ImmutableArray.CreateBuilder<OverrideEntry>();
        foreach (var key in OverrideKeys.All)
        {
            if (!Settings.TryGetValue(key.Name, out var value))
            {
                continue;
            }

            if (!value.IsWhollyKnown)
            {
                return null;
            }

            TomlScalar scalar;
            switch (key.Kind)
            {
                case OverrideValueKind.ByteSize:
                    var bytes = ByteSize.Parse(value.AsString(), out _);
                    if (bytes is null || bytes > long.MaxValue)
                    {
                        return null;
                    }

                    scalar = TomlScalar.FromInteger((long)bytes.Value, key.WriteHex);
                    break;
                case OverrideValueKind.Text:
                    scalar = TomlScalar.FromString(value.AsString());
                    break;
                default:
                    scalar = TomlScalar.FromInteger(value.AsInt64(), key.WriteHex);
                    break;
            }

            entries.Add(new OverrideEntry(key.Name, scalar));
        }

        return entries.ToImmutable();
    }
}
