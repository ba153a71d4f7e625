using System.Collections.Immutable;
using System.Text;

namespace VgpuIac.Engine.Parsing.Systemd;

/// <summary>
/// Splits a systemd environment list as <c>systemctl show -p Environment</c> prints it:
/// space-separated <c>NAME=value</c> words, a word in double quotes when it holds spaces, C escapes inside quotes.
/// </summary>
public static class SystemdEnvironment
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

    /// <summary>Shell-like word splitting with single and double quotes and backslash escapes.</summary>
    internal static List<string> Words(string s)
    {
        var words = new List<string>();
        var sb = new StringBuilder();
        var inWord = false;
        var i = 0;
        while (i < s.Length)
        {
            var c = s[i];
            if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(sb.ToString());
                    sb.Clear();
                    inWord = false;
                }

                i++;
                continue;
            }

            inWord = true;
            if (c is '"' or '\'')
            {
                var quote = c;
                i++;
                while (i < s.Length && s[i] != quote)
                {
                    if (s[i] == '\\' && quote == '"' && i + 1 < s.Length)
                    {
                        i++;
                        sb.Append(s[i] switch
                        {
                            'n' => '\n',
                            't' => '\t',
                            _ => s[i],
                        });
                    }
                    else
                    {
                        sb.Append(s[i]);
                    }

                    i++;
                }

                i++;
                continue;
            }

            if (c == '\\' && i + 1 < s.Length)
            {
                sb.Append(s[i + 1]);
                i += 2;
                continue;
            }

            sb.Append(c);
            i++;
        }

        if (inWord)
        {
            words.Add(sb.ToString());
        }

        return words;
    }
}
