using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace VgpuIac.Engine.Parsing.Pve;

/// <summary>Reads PVE VM config text (<c>qm config</c> output or the <c>.conf</c> file).</summary>
public static class QmConfigParser
{
    /// <summary>
    /// Reads <c>key: value</c> lines until the first <c>[section]</c> (snapshots, <c>[PENDING]</c>,
    /// <c>[special:cloudinit]</c>); leading <c>#</c> lines form the description (percent-escapes decoded).
    /// </summary>
    public static ParseResult<QmConfig> Parse(string? text)
    {
        var notes = new ParseNotes();
        var entries = ImmutableArray.CreateBuilder<KeyValuePair<string, string>>();
        var description = new List<string>();
        var sections = ImmutableArray.CreateBuilder<string>();
        var inSection = false;
        var lineNo = 0;
        foreach (var raw in TextLines.Split(text))
        {
            lineNo++;
            var line = raw.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith('[') && line.EndsWith(']'))
            {
                inSection = true;
                sections.Add(line[1..^1]);
                continue;
            }

            if (inSection)
            {
                continue;
            }

            if (line.StartsWith('#'))
            {
                description.Add(DecodePercent(line[1..]));
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || line[..colon].Contains(' ', StringComparison.Ordinal))
            {
                notes.Warn($"line {lineNo}: not a 'key: value' line: '{line}'");
                continue;
            }

            entries.Add(new KeyValuePair<string, string>(line[..colon].Trim(), line[(colon + 1)..].Trim()));
        }

        return notes.Result(new QmConfig(entries.ToImmutable(), description.Count == 0 ? null : string.Join('\n', description), sections.ToImmutable()));
    }

    /// <summary>Finds <c>-device vfio-pci,sysfsdev=...</c> and <c>-uuid ...</c> in a QEMU <c>args</c> value.</summary>
    public static QmLegacyVgpuArgs ReadArgs(string args)
    {
        var words = ShellWords.Split(args ?? string.Empty);
        var sysfs = ImmutableArray.CreateBuilder<string>();
        string? uuid = null;
        for (var i = 0; i < words.Count; i++)
        {
            if (words[i] == "-uuid" && i + 1 < words.Count)
            {
                uuid = words[++i];
            }
            else if (words[i] == "-device" && i + 1 < words.Count)
            {
                var dev = words[++i];
                if (!dev.StartsWith("vfio-pci", StringComparison.Ordinal))
                {
                    continue;
                }

                foreach (var part in dev.Split(','))
                {
                    if (part.StartsWith("sysfsdev=", StringComparison.Ordinal))
                    {
                        sysfs.Add(part[9..]);
                    }
                }
            }
        }

        return new QmLegacyVgpuArgs(sysfs.ToImmutable(), uuid);
    }

    private static string DecodePercent(string s)
    {
        if (!s.Contains('%', StringComparison.Ordinal))
        {
            return s;
        }

        var sb = new StringBuilder(s.Length);
        var pending = new List<byte>();
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '%' && i + 2 < s.Length
                && byte.TryParse(s.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
            {
                pending.Add(b);
                i += 2;
                continue;
            }

            if (pending.Count > 0)
            {
                sb.Append(Encoding.UTF8.GetString([.. pending]));
                pending.Clear();
            }

            sb.Append(s[i]);
        }

        if (pending.Count > 0)
        {
            sb.Append(Encoding.UTF8.GetString([.. pending]));
        }

        return sb.ToString();
    }
}
