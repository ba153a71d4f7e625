using System.Collections.Immutable;

namespace VgpuIac.Engine.Parsing.Systemd;

/// <summary>The <c>Key=value</c> properties of one unit from <c>systemctl show</c>, in printed order.</summary>
internal sealed record SystemdUnitProperties(ImmutableArray<KeyValuePair<string, string>> Entries)
{
    /// <summary>The value of <paramref name="key"/> (the last one if printed twice), or null when absent.</summary>
    public string? Get(string key)
    {
        string? found = null;
        foreach (var kv in Entries)
        {
            if (kv.Key == key)
            {
                found = kv.Value;
            }
        }

        return found;
    }

    public string? Id => Get("Id");

    public string? LoadState => Get("LoadState");

    public string? ActiveState => Get("ActiveState");

    public string? SubState => Get("SubState");

    public string? UnitFileState => Get("UnitFileState");

    public string? FragmentPath => NullIfEmpty(Get("FragmentPath"));

    /// <summary>True when systemd knows no unit file for it (<c>LoadState=not-found</c>).</summary>
    public bool NotFound => LoadState == "not-found";

    /// <summary><c>DropInPaths=</c> split on spaces.</summary>
    public ImmutableArray<string> DropInPaths =>
        [.. SystemdEnvironment.Words(Get("DropInPaths") ?? string.Empty)];

    /// <summary><c>Environment=</c> split into assignments (quoted values unquoted).</summary>
    public ImmutableArray<KeyValuePair<string, string>> Environment => SystemdEnvironment.Parse(Get("Environment"));

    /// <summary><c>ExecMainStatus=</c> as a number, when present.</summary>
    public int? ExecMainStatus => TextLines.Int(Get("ExecMainStatus"));

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
