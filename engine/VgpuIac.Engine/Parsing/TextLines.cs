using System.Globalization;

namespace VgpuIac.Engine.Parsing;

/// <summary>Line and number helpers shared by the parsers.</summary>
internal static class TextLines
{
    /// <summary>Splits on LF, CRLF or CR; a final empty line after a trailing newline is dropped.</summary>
    public static string[] Split(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return [];
        }

        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Split('\n');
        return lines.Length > 0 && lines[^1].Length == 0 ? lines[..^1] : lines;
    }

    public static int IndentOf(string line)
    {
        var n = 0;
        foreach (var c in line)
        {
            if (c == ' ')
            {
                n++;
            }
            else if (c == '\t')
            {
                n += 8 - (n % 8);
            }
            else
            {
                break;
            }
        }

        return n;
    }

    public static bool IsNotAvailable(string? value) =>
        value is null || value.Length == 0 || value is "N/A" or "[N/A]" or "Not Supported" or "[Not Supported]" or "Not Found"
        || value.StartsWith("N/A ", StringComparison.Ordinal);

    public static int? Int(string? s)
    {
        if (s is null)
        {
            return null;
        }

        s = s.Trim();
        if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            return int.TryParse(s.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var h) ? h : null;
        }

        return int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;
    }

    public static long? Long(string? s)
    {
        if (s is null)
        {
            return null;
        }

        s = s.Trim();
        if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            return long.TryParse(s.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var h) ? h : null;
        }

        return long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;
    }

    /// <summary>Reads "1743MiB", "1743 MiB", "8192M", "8 GiB" as MiB; null for N/A or anything else.</summary>
    public static long? MiB(string? s)
    {
        if (s is null)
        {
            return null;
        }

        var t = s.Trim();
        var i = 0;
        while (i < t.Length && char.IsAsciiDigit(t[i]))
        {
            i++;
        }

        if (i == 0 || !long.TryParse(t.AsSpan(0, i), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            return null;
        }

        var unit = t[i..].Trim();
        return unit switch
        {
            "" or "MiB" or "M" or "MB" => n,
            "GiB" or "G" or "GB" => n * 1024,
            "KiB" or "K" or "KB" => n / 1024,
            _ => null,
        };
    }

    /// <summary>Reads "92%", "92 %" as 92; null for N/A.</summary>
    public static int? Percent(string? s)
    {
        if (s is null)
        {
            return null;
        }

        var t = s.Trim();
        if (t.EndsWith('%'))
        {
            t = t[..^1].TrimEnd();
        }

        return int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;
    }

    /// <summary>Removes a trailing "..." that nvidia-smi uses when it cuts a cell.</summary>
    public static (string Text, bool Cut) StripEllipsis(string s)
    {
        var t = s.TrimEnd();
        return t.EndsWith("...", StringComparison.Ordinal) ? (t[..^3].TrimEnd(), true) : (t, false);
    }

    /// <summary>
    /// A line a pager leaves in copied output where more text followed: <c>--More--</c>, <c>--More--(42%)</c>, less's
    /// <c>lines 1-40/120 33%</c> status or its bare <c>:</c> prompt. less's <c>(END)</c> (also <c>lines 1-17/17 (END)</c>)
    /// means the whole text was shown: not a cut. None of the parsed tools prints such a line.
    /// </summary>
    public static bool IsPagerMark(string line)
    {
        var t = line.Trim();
        return t is ":" || t.StartsWith("--More--", StringComparison.Ordinal)
            || (IsLessStatus(t) && !t.EndsWith("(END)", StringComparison.Ordinal));
    }

    /// <summary>less's status line <c>lines 1-17/17 (END)</c> / <c>lines 1-40/120 33%</c>.</summary>
    public static bool IsLessStatus(string line)
    {
        var t = line.Trim();
        return t.StartsWith("lines ", StringComparison.Ordinal) && t.Length > 6 && char.IsAsciiDigit(t[6]) && t.Contains('-', StringComparison.Ordinal);
    }

    /// <summary>
    /// The text after a shell prompt glued before output on one line (<c>root@pve:~# 01:00.0 ...</c>,
    /// <c>[root@host ~]# ...</c>, <c>$ ...</c>); null when the line does not start with a prompt.
    /// </summary>
    public static string? AfterPrompt(string line)
    {
        var t = line.TrimStart();
        foreach (var end in new[] { "# ", "$ " })
        {
            var at = t.IndexOf(end, StringComparison.Ordinal);
            if (at < 0)
            {
                continue;
            }

            var prompt = t[..at];
            var bracketed = prompt.StartsWith('[') && prompt.EndsWith(']');
            if (prompt.Length == 0 || bracketed || (!prompt.Contains(' ', StringComparison.Ordinal) && prompt.IndexOfAny(['@', ':', '~']) >= 0))
            {
                return t[(at + 2)..].TrimStart();
            }
        }

        return null;
    }
}
