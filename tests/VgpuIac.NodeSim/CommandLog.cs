using System.Globalization;
using System.Text;

namespace VgpuIac.NodeSim;

/// <summary>Parses the node's command log format (see CONVENTIONS.md).</summary>
public static class CommandLog
{
    private const long MaxUnixMilliseconds = 253_402_300_799_999;

    /// <summary>
    /// The entries of the log, in order. A line that is not a whole entry is skipped (its index still counts): a node whose
    /// disk is full (the <c>DiskFullAsync</c> fault) cuts the appends to its own log mid-line and glues the next one on.
    /// </summary>
    public static IReadOnlyList<CommandLogEntry> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var entries = new List<CommandLogEntry>();
        var index = 0;
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0)
            {
                continue;
            }

            var f = line.Split('\t', 5);
            if (f.Length == 5
                && long.TryParse(f[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms)
                && long.TryParse(f[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var dur)
                && int.TryParse(f[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var rc)
                && ms is >= 0 and <= MaxUnixMilliseconds && dur is >= 0 and <= MaxUnixMilliseconds)
            {
                entries.Add(new CommandLogEntry(index, DateTimeOffset.FromUnixTimeMilliseconds(ms), TimeSpan.FromMilliseconds(dur), rc, f[3], Unescape(f[4])));
            }

            index++;
        }

        return entries;
    }

    public static string Unescape(string s)
    {
        ArgumentNullException.ThrowIfNull(s);
        if (!s.Contains('\\', StringComparison.Ordinal))
        {
            return s;
        }

        var sb = new StringBuilder(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && i + 1 < s.Length)
            {
                i++;
                sb.Append(s[i] switch { 'n' => '\n', 't' => '\t', 'r' => '\r', _ => s[i] });
            }
            else
            {
                sb.Append(s[i]);
            }
        }

        return sb.ToString();
    }
}
