using System.Collections.Immutable;

namespace VgpuIac.Engine.Parsing.Systemd;

/// <summary>
/// Splits a systemd environment list as <c>systemctl show -p Environment</c> prints it:
/// space-separated <c>NAME=value</c> words, a word in double quotes when it holds spaces, C escapes inside quotes.
/// </summary>
internal static class SystemdEnvironment
{
    /// <summary>The assignments in order; a later assignment of the same name wins in <see cref="ToDictionary"/>.</summary>
    public static ImmutableArray<KeyValuePair<string, string>> Parse(string? value)
    {
        var result = ImmutableArray.CreateBuilder<KeyValuePair<string, string>>();
        foreach (var word in Words(value ?? string.Empty))
        {
            var eq = word.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                result.Add(new KeyValuePair<string, string>(word[..eq], word[(eq + 1)..]));
            }
        }

        return result.ToImmutable();
    }

    public static ImmutableDictionary<string, string> ToDictionary(string? value)
    {
        var b = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var kv in Parse(value))
        {
            b[kv.Key] = kv.Value;
        }

        return b.ToImmutable();
    }

    internal static List<string> Words(string s) => ShellWords.Split(s);
}
