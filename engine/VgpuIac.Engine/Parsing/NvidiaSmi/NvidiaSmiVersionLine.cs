namespace VgpuIac.Engine.Parsing.NvidiaSmi;

/// <summary>Reads the <c>| NVIDIA-SMI x  Driver Version: y  CUDA Version: z |</c> banner line.</summary>
internal static class NvidiaSmiVersionLine
{
    public static bool IsVersionLine(string line) => line.Contains("NVIDIA-SMI ", StringComparison.Ordinal) && line.Contains("Driver Version:", StringComparison.Ordinal);

    public static (string? Smi, string? Driver, string? Cuda) Read(string line) =>
        (WordAfter(line, "NVIDIA-SMI "), WordAfter(line, "Driver Version:"), WordAfter(line, "CUDA Version:"));

    private static string? WordAfter(string line, string marker)
    {
        var at = line.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var rest = line[(at + marker.Length)..].TrimStart();
        var end = 0;
        while (end < rest.Length && !char.IsWhiteSpace(rest[end]) && rest[end] != '|')
        {
            end++;
        }

        return end == 0 ? null : rest[..end];
    }

    /// <summary>True for a line like <c>Wed Nov 16 11:22:19 2022</c>.</summary>
    public static bool IsTimestamp(string line)
    {
        var t = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return t.Length == 5 && t[0].Length == 3 && t[1].Length == 3 && t[3].Count(c => c == ':') == 2 && t[4].Length == 4 && t[4].All(char.IsAsciiDigit);
    }

    /// <summary>The cells of a <c>| a | b | c |</c> row, untrimmed, without the outer bars.</summary>
    public static string[] Cells(string line)
    {
        var t = line.Trim();
        if (t.StartsWith('|'))
        {
            t = t[1..];
        }

        if (t.EndsWith('|'))
        {
            t = t[..^1];
        }

        return t.Split('|');
    }

    public static bool IsBorder(string line)
    {
        var t = line.Trim();
        return t.Length > 2 && (t[0] is '+' or '|') && t.Trim('+', '|', '-', '=').Length == 0;
    }
}
