using System.Collections.Immutable;

namespace VgpuIac.Engine.Parsing.KeyValue;

/// <summary>
/// Reads indentation-structured <c>key : value</c> text into a tree. A line splits at its first <c>": "</c> (or a
/// trailing <c>:</c>); a line without one is a heading. Tabs count to the next multiple of 8. Blank lines are ignored.
/// </summary>
internal static class IndentedTreeParser
{
    public static ImmutableArray<IndentedNode> Parse(string? text)
    {
        var root = new Builder(string.Empty, null, -1, 0);
        var stack = new Stack<Builder>();
        stack.Push(root);
        var lineNo = 0;
        foreach (var raw in TextLines.Split(text))
        {
            lineNo++;
            var line = raw.TrimEnd();
            var trimmed = line.Trim();
            if (trimmed.Length == 0)
            {
                continue;
            }

            var indent = TextLines.IndentOf(line);
            var (key, value) = Split(trimmed);
            while (stack.Peek().Indent >= indent)
            {
                stack.Pop();
            }

            var node = new Builder(key, value, indent, lineNo);
            stack.Peek().Children.Add(node);
            stack.Push(node);
        }

        return [.. root.Children.Select(c => c.Build())];
    }

    /// <summary>Splits one trimmed line into key and value (null value for a heading).</summary>
    public static (string Key, string? Value) Split(string trimmed)
    {
        var at = trimmed.IndexOf(": ", StringComparison.Ordinal);
        if (at > 0)
        {
            return (trimmed[..at].TrimEnd(), trimmed[(at + 2)..].Trim());
        }

        if (trimmed.EndsWith(':') && trimmed.Length > 1)
        {
            return (trimmed[..^1].TrimEnd(), string.Empty);
        }

        return (trimmed, null);
    }

    private sealed class Builder(string key, string? value, int indent, int line)
    {
        public int Indent { get; } = indent;

        public List<Builder> Children { get; } = [];

        public IndentedNode Build() => new(key, value, Indent, line, [.. Children.Select(c => c.Build())]);
    }
}
