using System.Text;
using Tomlyn.Parsing;
using Tomlyn.Syntax;
using VgpuIac.Engine.ProfileOverride;

namespace VgpuIac.Engine.Unlock;

/// <summary>
/// <c>/etc/vgpu_unlock/config.toml</c>: reads and sets the top-level <c>unlock</c> and <c>unlock_migration</c> booleans,
/// keeping every other byte (e.g. a <c>[pci_info_map]</c> table and comments). Pure.
/// </summary>
internal static class UnlockConfigToml
{
    public const string Header = "# vgpu_unlock-rs settings (read when nvidia-vgpud / nvidia-vgpu-mgr start). Managed by VgpuIac (vgpu_unlock).\n";

    /// <summary>The two settings as the file has them; null for a key that is missing or not a boolean.</summary>
    public static (bool? Unlock, bool? UnlockMigration)? Read(string text, out TomlSyntaxError? error)
    {
        var document = Parse(text, out error);
        if (document is null)
        {
            return null;
        }

        return (Find(document, "unlock")?.Value is BooleanValueSyntax u ? u.Value : null,
            Find(document, "unlock_migration")?.Value is BooleanValueSyntax m ? m.Value : null);
    }

    /// <summary>vgpu_unlock-rs's defaults for a key the file does not have (or for a missing file).</summary>
    public const bool DefaultUnlock = true;

    public const bool DefaultUnlockMigration = false;

    /// <summary>
    /// The settings vgpu_unlock-rs runs with: a missing file or key means its default (<c>unlock = true</c>,
    /// <c>unlock_migration = false</c>). Null when the file is not TOML or a key is not a boolean (vgpu_unlock-rs then
    /// aborts the NVIDIA services): such a file must be rewritten.
    /// </summary>
    public static (bool Unlock, bool UnlockMigration)? Effective(string? text)
    {
        if (text is null)
        {
            return (DefaultUnlock, DefaultUnlockMigration);
        }

        var document = Parse(text, out _);
        if (document is null)
        {
            return null;
        }

        var unlock = Find(document, "unlock");
        var migration = Find(document, "unlock_migration");
        if ((unlock is not null && unlock.Value is not BooleanValueSyntax) || (migration is not null && migration.Value is not BooleanValueSyntax))
        {
            return null;
        }

        return ((unlock?.Value as BooleanValueSyntax)?.Value ?? DefaultUnlock, (migration?.Value as BooleanValueSyntax)?.Value ?? DefaultUnlockMigration);
    }

    /// <summary>
    /// The file text with both settings as given; <paramref name="existing"/> null means a new file. A key the file does not
    /// have is added only when the wanted value differs from vgpu_unlock-rs's default (a missing key already means the
    /// default). Null when the existing text is not TOML.
    /// </summary>
    public static string? Write(string? existing, bool unlock, bool unlockMigration)
    {
        if (existing is null)
        {
            return $"{Header}unlock = {Bool(unlock)}\nunlock_migration = {Bool(unlockMigration)}\n";
        }

        var document = Parse(existing, out _);
        if (document is null)
        {
            return null;
        }

        var edits = new List<(int Start, int Length, string Text)>();
        var additions = new StringBuilder();
        foreach (var (key, value) in new[] { ("unlock", unlock), ("unlock_migration", unlockMigration) })
        {
            var kv = Find(document, key);
            if (kv?.Value is null)
            {
                if (value == (key == "unlock" ? DefaultUnlock : DefaultUnlockMigration))
                {
                    continue;
                }

                additions.Append(key).Append(" = ").Append(Bool(value)).Append('\n');
            }
            else if (kv.Value is not BooleanValueSyntax b || b.Value != value)
            {
                var start = kv.Value.Span.Start.Offset;
                edits.Add((start, kv.Value.Span.End.Offset - start + 1, Bool(value)));
            }
        }

        if (additions.Length > 0)
        {
            var last = document.KeyValues.LastOrDefault();
            var at = 0;
            if (last is not null)
            {
                var newline = existing.IndexOf('\n', last.Span.End.Offset);
                at = newline < 0 ? existing.Length : newline + 1;
                if (newline < 0)
                {
                    additions.Insert(0, '\n');
                }
            }

            edits.Add((at, 0, additions.ToString()));
        }

        var text = new StringBuilder(existing);
        foreach (var (start, length, replacement) in edits.OrderByDescending(e => e.Start))
        {
            text.Remove(start, length).Insert(start, replacement);
        }

        return text.ToString();
    }

    private static DocumentSyntax? Parse(string text, out TomlSyntaxError? error)
    {
        var document = SyntaxParser.Parse(text, "config.toml", validate: true);
        if (document.HasErrors)
        {
            var first = document.Diagnostics.First(d => d.Kind == DiagnosticMessageKind.Error);
            error = new TomlSyntaxError(first.Span.Start.Line + 1, first.Span.Start.Column + 1, first.Message);
            return null;
        }

        error = null;
        return document;
    }

    private static KeyValueSyntax? Find(DocumentSyntax document, string key) =>
        document.KeyValues.FirstOrDefault(kv => kv.Key is { DotKeys.ChildrenCount: 0 } k && KeyText(k.Key) == key);

    private static string KeyText(BareKeyOrStringValueSyntax? key) => key switch
    {
        BareKeySyntax bare => bare.Key?.Text ?? string.Empty,
        StringValueSyntax quoted => quoted.Value ?? string.Empty,
        _ => string.Empty,
    };

    private static string Bool(bool value) => value ? "true" : "false";
}
