using System.Collections.Immutable;
using System.Globalization;

namespace VgpuIac.Engine.Parsing.Pve;

/// <summary>
/// The current configuration of a VM (<c>qm config</c> or <c>/etc/pve/qemu-server/&lt;vmid&gt;.conf</c>):
/// <c>key: value</c> entries in file order, the description from leading <c>#</c> lines, and the names of the
/// snapshot sections that follow (their contents are not part of the current config).
/// </summary>
public sealed record QmConfig(
    ImmutableArray<KeyValuePair<string, string>> Entries,
    string? Description,
    ImmutableArray<string> Sections)
{
    /// <summary>The value of the first <paramref name="key"/> line of the main section, or null.</summary>
    public string? Get(string key)
    {
        foreach (var kv in Entries)
        {
            if (kv.Key == key)
            {
                return kv.Value;
            }
        }

        return null;
    }

    /// <summary>The <c>name:</c> line.</summary>
    public string? Name => Get("name");

    /// <summary>The <c>machine:</c> line (<c>q35</c>, <c>pc-i440fx-8.1</c>, ...).</summary>
    public string? Machine => Get("machine");

    /// <summary>The <c>bios:</c> line (<c>ovmf</c>, <c>seabios</c>).</summary>
    public string? Bios => Get("bios");

    /// <summary>The <c>uuid=</c> part of <c>smbios1</c>, if any.</summary>
    public string? SmbiosUuid
    {
        get
        {
            var s = Get("smbios1");
            if (s is null)
            {
                return null;
            }

            foreach (var part in s.Split(',', StringSplitOptions.TrimEntries))
            {
                if (part.StartsWith("uuid=", StringComparison.Ordinal))
                {
                    return part[5..];
                }
            }

            return null;
        }
    }

    /// <summary>Every <c>hostpciN</c> entry, parsed, ordered by N.</summary>
    public ImmutableArray<QmHostPci> HostPci =>
        [.. Entries
            .Where(kv => kv.Key.StartsWith("hostpci", StringComparison.Ordinal)
                         && int.TryParse(kv.Key.AsSpan(7), NumberStyles.None, CultureInfo.InvariantCulture, out _))
            .Select(kv => new QmHostPci(int.Parse(kv.Key.AsSpan(7), NumberStyles.None, CultureInfo.InvariantCulture), kv.Value, HostPciParser.Parse(kv.Value).Value))
            .OrderBy(h => h.Index)];

    /// <summary>vGPU-related parts of a hand-written <c>args:</c> line, or null when there is no <c>args</c>.</summary>
    public QmLegacyVgpuArgs? LegacyVgpuArgs => Get("args") is { } args ? QmConfigParser.ReadArgs(args) : null;
}
