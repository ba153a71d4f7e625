using System.Collections.Immutable;

namespace VgpuIac.Engine.Guests;

/// <summary>
/// A PVE property string such as <c>virtio=BC:24:11:2A:3B:4C,bridge=vmbr0,firewall=1</c> or <c>enabled=1,fstrim_cloned_disks=1</c>:
/// comma-separated parts in their order, each <c>key=value</c> or a bare value (the default key, stored with key "").
/// Editing one part keeps every other part as it was.
/// </summary>
internal sealed record PveProperty(ImmutableArray<KeyValuePair<string, string>> Parts)
{
    public static PveProperty Parse(string? text) =>
        new([.. (text ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.IndexOf('=', StringComparison.Ordinal) is var eq && eq > 0
                ? KeyValuePair.Create(p[..eq], p[(eq + 1)..])
                : KeyValuePair.Create(string.Empty, p))]);

    /// <summary>The value of <paramref name="key"/> (the bare value for ""); null when absent.</summary>
    public string? Get(string key) => Parts.Where(p => p.Key == key).Select(p => p.Value).FirstOrDefault();

    /// <summary><paramref name="key"/> set to <paramref name="value"/> in place, or appended when absent.</summary>
    public PveProperty With(string key, string value)
    {
        var index = Parts.IndexOf(Parts.FirstOrDefault(p => p.Key == key));
        return Parts.Any(p => p.Key == key)
            ? new PveProperty(Parts.SetItem(index, KeyValuePair.Create(key, value)))
            : new PveProperty(Parts.Add(KeyValuePair.Create(key, value)));
    }

    public override string ToString() => string.Join(',', Parts.Select(p => p.Key.Length == 0 ? p.Value : $"{p.Key}={p.Value}"));
}
