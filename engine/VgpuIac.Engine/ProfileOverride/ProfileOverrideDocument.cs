using System.Collections.Immutable;
using System.Text;
using Tomlyn.Parsing;
using Tomlyn.Syntax;

namespace VgpuIac.Engine.ProfileOverride;

/// <summary>
/// A parsed <c>profile_override.toml</c> that can rewrite one section and keep every other byte of the file exactly:
/// Tomlyn's syntax tree locates the section and its keys, and edits are spliced into the original text
/// (values replaced in place, lines added or removed), so comments and formatting elsewhere are never re-rendered.
/// Pure: no I/O.
/// </summary>
internal sealed class ProfileOverrideDocument
{
    private readonly DocumentSyntax _syntax;

    private ProfileOverrideDocument(string text, DocumentSyntax syntax)
    {
        Text = text;
        _syntax = syntax;
    }

    /// <summary>The file text as read.</summary>
    public string Text { get; }

    public static ProfileOverrideDocument Empty { get; } = Parse(string.Empty, out _)!;

    /// <summary>Parses and validates TOML (duplicate keys and tables are errors); null with the first error when invalid.</summary>
    public static ProfileOverrideDocument? Parse(string text, out TomlSyntaxError? error)
    {
        DocumentSyntax syntax;
        try
        {
            syntax = SyntaxParser.Parse(text, "profile_override.toml", validate: true);
        }
        catch (ArgumentOutOfRangeException)
        {
            // Tomlyn throws on a \u or \U escape that is not a Unicode scalar value (a surrogate, or above U+10FFFF)
            var at = System.Text.RegularExpressions.Regex.Match(text, @"\\(u[dD][89a-fA-F][0-9a-fA-F]{2}|U[0-9a-fA-F]{8})", System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1));
            var line = at.Success ? text.AsSpan(0, at.Index).Count('\n') : 0;
            var column = at.Success ? at.Index - (text.LastIndexOf('\n', Math.Max(0, at.Index - 1)) + 1) : 0;
            error = new TomlSyntaxError(line + 1, column + 1, "a \\u or \\U escape that is not a Unicode character (a surrogate, or above U+10FFFF)");
            return null;
        }

        if (syntax.HasErrors)
        {
            var first = syntax.Diagnostics.First(d => d.Kind == DiagnosticMessageKind.Error);
            error = new TomlSyntaxError(first.Span.Start.Line + 1, first.Span.Start.Column + 1, first.Message);
            return null;
        }

        error = null;
        return new ProfileOverrideDocument(text, syntax);
    }

    /// <summary>The sections (<c>[profile.*]</c>, <c>[vm.*]</c>, <c>[mdev.*]</c> tables) the file has, in file order.</summary>
    public ImmutableArray<OverrideSection> Sections =>
    [
        .. _syntax.Tables.OfType<TableSyntax>()
            .Select(t => KeyParts(t.Name))
            .Where(p => p.Count == 2)
            .Select(p => OverrideSection.Parse(p[0] + "." + p[1]))
            .OfType<OverrideSection>(),
    ];

    public SectionLookup Find(OverrideSection section)
    {
        string[] path = [section.Table, section.Key];
        foreach (var kv in _syntax.KeyValues)
        {
            if (DefinesInside(KeyParts(kv.Key), kv.Value, path))
            {
                return Uneditable(section, kv, "as a dotted key or inline table at the top of the file");
            }
        }

        TableSyntax? table = null;
        foreach (var t in _syntax.Tables)
        {
            var header = KeyParts(t.Name);
            if (header.SequenceEqual(path))
            {
                if (t is not TableSyntax plain)
                {
                    return Uneditable(section, t, "as an array of tables ([[...]])");
                }

                table = plain;
                continue;
            }

            if (header.Count == 1 && header[0] == section.Table)
            {
                foreach (var kv in t.Items)
                {
                    if (DefinesInside([header[0], .. KeyParts(kv.Key)], kv.Value, path))
                    {
                        return Uneditable(section, kv, $"as a dotted key or inline table inside [{section.Table}]");
                    }
                }
            }
        }

        if (table is null)
        {
            return SectionLookup.Missing;
        }

        return new SectionLookup
        {
            Exists = true,
            Line = table.Span.Start.Line + 1,
            Entries = [.. table.Items.Select(kv => new OverrideEntry(string.Join('.', KeyParts(kv.Key)), Scalar(kv.Value)))],
        };
    }

    /// <summary>
    /// The file text with <paramref name="section"/> holding exactly <paramref name="desired"/>: keys with the same value keep
    /// their text (and trailing comments), changed values are replaced in place, other keys of the section are removed and new
    /// keys are added after the last one. A missing section is appended at the end. Everything outside the section is kept.
    /// </summary>
    public string WithSection(OverrideSection section, IReadOnlyList<OverrideEntry> desired)
    {
        var newline = Text.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
        var table = FindTable(section);
        if (table is null)
        {
            var sb = new StringBuilder(Text);
            if (Text.Length > 0)
            {
                if (!Text.EndsWith('\n'))
                {
                    sb.Append(newline);
                }

                // Always one blank line of our own before the section, so that removing it restores the file exactly.
                sb.Append(newline);
            }

            sb.Append(section.Header).Append(newline);
            foreach (var entry in desired)
            {
                sb.Append(Line(entry, newline));
            }

            return sb.ToString();
        }

        var edits = new List<(int Start, int Length, string Replacement)>();
        var written = new HashSet<string>(StringComparer.Ordinal);
        var insertAt = LineEnd(table.EndOfLineToken?.Span.End.Offset ?? table.CloseBracket!.Span.End.Offset);
        foreach (var kv in table.Items)
        {
            var existing = new OverrideEntry(string.Join('.', KeyParts(kv.Key)), Scalar(kv.Value));
            var lineStart = LineStart(kv.Span.Start.Offset);
            var lineEnd = LineEnd(kv.Span.End.Offset);
            insertAt = Math.Max(insertAt, lineEnd);
            var wanted = desired.FirstOrDefault(d => d.Key == existing.Key);
            if (wanted is null || !written.Add(wanted.Key))
            {
                edits.Add((lineStart, lineEnd - lineStart, string.Empty));
            }
            else if (!wanted.SameValueAs(existing))
            {
                var start = kv.Value!.Span.Start.Offset;
                edits.Add((start, kv.Value.Span.End.Offset - start + 1, wanted.Value.Source));
            }
        }

        var additions = new StringBuilder();
        if (insertAt == Text.Length && Text.Length > 0 && !Text.EndsWith('\n') && desired.Any(d => !written.Contains(d.Key)))
        {
            additions.Append(newline);
        }

        foreach (var entry in desired.Where(d => !written.Contains(d.Key)))
        {
            additions.Append(Line(entry, newline));
        }

        if (additions.Length > 0)
        {
            edits.Add((insertAt, 0, additions.ToString()));
        }

        return Splice(edits);
    }

    /// <summary>The file text without <paramref name="section"/> (and without the blank line that separated it); unchanged when absent.</summary>
    public string WithoutSection(OverrideSection section)
    {
        var table = FindTable(section);
        if (table is null)
        {
            return Text;
        }

        var start = LineStart(table.Span.Start.Offset);
        var end = LineEnd(table.Span.End.Offset);
        var text = Text.Remove(start, end - start);
        var atEndOrBlank = start == text.Length || text[start] is '\n' or '\r';
        if (atEndOrBlank && start >= 2 && text[start - 1] == '\n')
        {
            if (text[start - 2] == '\n')
            {
                text = text.Remove(start - 1, 1);
            }
            else if (start >= 4 && text[start - 2] == '\r' && text[start - 3] == '\n')
            {
                text = text.Remove(start - 2, 2);
            }
        }

        return text;
    }

    /// <summary>
    /// The exact text of <paramref name="section"/>: from the start of its header line to the end of its last line
    /// (comments and blank lines inside it included); null when the file has no such table.
    /// </summary>
    public string? SectionText(OverrideSection section)
    {
        var table = FindTable(section);
        if (table is null)
        {
            return null;
        }

        var start = LineStart(table.Span.Start.Offset);
        return Text[start..LineEnd(table.Span.End.Offset)];
    }

    /// <summary>
    /// The file text with <paramref name="section"/> set back to <paramref name="sectionText"/> (as <see cref="SectionText"/>
    /// returned it): the section's lines are replaced by it, or it is appended (after one blank line) when the file no longer
    /// has the section. Everything outside the section is kept.
    /// </summary>
    public string WithSectionText(OverrideSection section, string sectionText)
    {
        var table = FindTable(section);
        if (table is not null)
        {
            var start = LineStart(table.Span.Start.Offset);
            var end = LineEnd(table.Span.End.Offset);
            return Splice([(start, end - start, sectionText)]);
        }

        var newline = Text.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
        var sb = new StringBuilder(Text);
        if (Text.Length > 0)
        {
            if (!Text.EndsWith('\n'))
            {
                sb.Append(newline);
            }

            sb.Append(newline);
        }

        return sb.Append(sectionText).ToString();
    }

    private TableSyntax? FindTable(OverrideSection section) =>
        _syntax.Tables.OfType<TableSyntax>().FirstOrDefault(t => KeyParts(t.Name).SequenceEqual([section.Table, section.Key]));

    private static string Line(OverrideEntry entry, string newline) => $"{entry.Key} = {entry.Value.Source}{newline}";

    private string Splice(List<(int Start, int Length, string Replacement)> edits)
    {
        var text = new StringBuilder(Text);
        foreach (var (start, length, replacement) in edits.OrderByDescending(e => e.Start).ThenBy(e => e.Length))
        {
            text.Remove(start, length).Insert(start, replacement);
        }

        return text.ToString();
    }

    private int LineStart(int offset)
    {
        var i = offset;
        while (i > 0 && Text[i - 1] != '\n')
        {
            i--;
        }

        return i;
    }

    /// <summary>The offset just after the newline ending the line that holds <paramref name="offset"/> (or the end of the text).</summary>
    private int LineEnd(int offset)
    {
        var i = Text.IndexOf('\n', Math.Min(offset, Text.Length));
        return i < 0 ? Text.Length : i + 1;
    }

    private TomlScalar Scalar(ValueSyntax? value)
    {
        if (value is null)
        {
            return new TomlScalar { Kind = TomlScalarKind.Other, Source = string.Empty };
        }

        var source = Text.Substring(value.Span.Start.Offset, value.Span.End.Offset - value.Span.Start.Offset + 1);
        return value switch
        {
            IntegerValueSyntax i => new TomlScalar { Kind = TomlScalarKind.Integer, Integer = i.Value, Source = source },
            StringValueSyntax s => new TomlScalar { Kind = TomlScalarKind.String, Text = s.Value, Source = source },
            BooleanValueSyntax b => new TomlScalar { Kind = TomlScalarKind.Boolean, Boolean = b.Value, Source = source },
            _ => new TomlScalar { Kind = TomlScalarKind.Other, Source = source },
        };
    }

    private static SectionLookup Uneditable(OverrideSection section, SyntaxNode node, string how) => new()
    {
        Exists = true,
        Line = node.Span.Start.Line + 1,
        Uneditable = $"[{section.Name}] is defined {how} (line {node.Span.Start.Line + 1})",
    };

    /// <summary>True when a key path (with its value) defines something inside <paramref name="path"/>.</summary>
    private static bool DefinesInside(IReadOnlyList<string> key, ValueSyntax? value, string[] path)
    {
        if (key.Count >= path.Length)
        {
            return key.Take(path.Length).SequenceEqual(path);
        }

        if (!path.Take(key.Count).SequenceEqual(key) || value is not InlineTableSyntax inline)
        {
            return false;
        }

        return inline.Items.Any(item => DefinesInside([.. key, .. KeyParts(item.KeyValue?.Key)], item.KeyValue?.Value, path));
    }

    private static List<string> KeyParts(KeySyntax? key)
    {
        var parts = new List<string>();
        if (key is null)
        {
            return parts;
        }

        parts.Add(KeyText(key.Key));
        foreach (var dotted in key.DotKeys)
        {
            parts.Add(KeyText(dotted.Key));
        }

        return parts;
    }

    private static string KeyText(BareKeyOrStringValueSyntax? key) => key switch
    {
        BareKeySyntax bare => bare.Key?.Text ?? string.Empty,
        StringValueSyntax quoted => quoted.Value ?? string.Empty,
        _ => string.Empty,
    };
}
