using System.Collections.Immutable;
using System.Text.Json;

namespace VgpuIac.Engine.Parsing.Mdev;

/// <summary>Reads <c>mdevctl list</c>, <c>mdevctl list --defined</c> and their <c>--dumpjson</c> forms.</summary>
public static class MdevctlListParser
{
    /// <summary>
    /// Reads lines <c>&lt;uuid&gt; &lt;parent&gt; &lt;type&gt; [manual|auto] [(active)|(defined)]</c>. Pass
    /// <paramref name="definedListing"/> true for <c>--defined</c> output, where only "(active)" marks a live device.
    /// Indented verbose lines (attributes) are skipped.
    /// </summary>
    public static ParseResult<ImmutableArray<MdevInstance>> ParseText(string? text, bool definedListing = false)
    {
        var notes = new ParseNotes();
        var list = ImmutableArray.CreateBuilder<MdevInstance>();
        var lineNo = 0;
        foreach (var raw in TextLines.Split(text))
        {
            lineNo++;
            if (raw.Trim().Length == 0 || TextLines.IndentOf(raw) > 0)
            {
                continue;
            }

            var tokens = raw.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (tokens.Length < 3 || !Guid.TryParse(tokens[0], out _))
            {
                notes.Warn($"line {lineNo}: not an mdev line: '{raw.Trim()}'");
                continue;
            }

            string? start = null;
            var activeMark = false;
            var definedMark = false;
            foreach (var t in tokens.AsSpan(3))
            {
                switch (t)
                {
                    case "manual" or "auto":
                        start = t;
                        break;
                    case "(active)":
                        activeMark = true;
                        break;
                    case "(defined)":
                        definedMark = true;
                        break;
                    default:
                        notes.Warn($"line {lineNo}: unknown token '{t}'");
                        break;
                }
            }

            var active = definedListing ? activeMark : !definedMark;
            var defined = definedListing || start is not null || definedMark;
            list.Add(new MdevInstance(tokens[0].ToLowerInvariant(), tokens[1], tokens[2], start, active, defined));
        }

        return notes.Result(list.ToImmutable());
    }

    /// <summary>
    /// Reads <c>--dumpjson</c>: <c>[ { "&lt;parent&gt;": [ { "&lt;uuid&gt;": { "mdev_type", "start", "attrs" } } ] } ]</c>.
    /// </summary>
    public static ParseResult<ImmutableArray<MdevInstance>> ParseJson(string? json, bool definedListing = false)
    {
        var notes = new ParseNotes();
        var list = ImmutableArray.CreateBuilder<MdevInstance>();
        if (string.IsNullOrWhiteSpace(json))
        {
            return notes.Result(list.ToImmutable());
        }

        MdevctlJson.Walk(json, notes, (parent, uuid, dev) =>
        {
            var type = JsonValues.String(dev, "mdev_type");
            if (type is null)
            {
                notes.Warn($"mdev {uuid} has no mdev_type");
                return;
            }

            var start = JsonValues.String(dev, "start");
            var activeMark = dev.TryGetProperty("active", out var a) && a.ValueKind == JsonValueKind.True;
            list.Add(new MdevInstance(
                uuid.ToLowerInvariant(),
                parent,
                type,
                start,
                definedListing ? activeMark : true,
                definedListing || start is not null));
        });

        return notes.Result(list.ToImmutable());
    }
}
