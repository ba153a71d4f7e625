using System.Text;

namespace VgpuIac.Engine.Parsing;

/// <summary>Shell-like word splitting (single and double quotes, backslash escapes) for config values such as PVE
/// <c>args:</c> and systemd environment lists. Never throws; an unclosed quote runs to the end.</summary>
internal static class ShellWords
{
    public static List<string> Split(string s)
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
