using System.Collections.Immutable;
using System.Text.Json;

namespace VgpuIac.Engine.Parsing.Mdev;

/// <summary>Reads <c>mdevctl types</c> (text) and <c>mdevctl types --dumpjson</c>.</summary>
internal static class MdevctlTypesParser
{
    /// <summary>
    /// Reads the text layout: parent at column 0, type id indented 2, attributes indented 4
    /// (<c>Available instances</c>, <c>Device API</c>, <c>Name</c>, optional <c>Description</c>).
    /// Empty output gives an empty list. An elision line (<c>...</c>) or a type missing its attributes marks the
    /// result truncated.
    /// </summary>
    public static ParseResult<ImmutableArray<MdevType>> ParseText(string? text)
    {
        var notes = new ParseNotes();
        var types = ImmutableArray.CreateBuilder<MdevType>();
        string? parent = null;
        Builder? current = null;
        var lineNo = 0;

        void Flush()
        {
            if (current is null)
            {
                return;
            }

            if (current.Available is null || current.DeviceApi is null || current.Name is null)
            {
                notes.Truncate($"type {current.Id} is missing {Missing(current)}; the listing was cut");
            }

            types.Add(new MdevType(current.Parent, current.Id, current.Available, current.DeviceApi, current.Name, current.Description));
            current = null;
        }

        foreach (var raw in TextLines.Split(text))
        {
            lineNo++;
            var line = raw.TrimEnd();
            var trimmed = line.Trim();
            if (trimmed.Length == 0)
            {
                continue;
            }

            if (trimmed.StartsWith("...", StringComparison.Ordinal) || trimmed == "." || trimmed == "…")
            {
                Flush();
                notes.Truncate($"line {lineNo}: part of the listing was elided ('{trimmed}')");
                continue;
            }

            var indent = TextLines.IndentOf(line);
            if (indent == 0)
            {
                Flush();
                if (trimmed.Contains(' ', StringComparison.Ordinal))
                {
                    notes.Warn($"line {lineNo}: not a parent device line: '{trimmed}'");
                    continue;
                }

                parent = trimmed;
            }
            else if (indent < 4)
            {
                Flush();
                if (parent is null)
                {
                    notes.Truncate($"line {lineNo}: type {trimmed} has no parent line before it; the listing was cut");
                }

                current = new Builder(parent, trimmed);
            }
            else if (current is null)
            {
                notes.Warn($"line {lineNo}: attribute outside a type: '{trimmed}'");
            }
            else
            {
                var colon = trimmed.IndexOf(':', StringComparison.Ordinal);
                if (colon < 0)
                {
                    notes.Warn($"line {lineNo}: unreadable attribute '{trimmed}'");
                    continue;
                }

                var key = trimmed[..colon].Trim();
                var value = trimmed[(colon + 1)..].Trim();
                switch (key)
                {
                    case "Available instances":
                        current.Available = TextLines.Int(value);
                        break;
                    case "Device API":
                        current.DeviceApi = value;
                        break;
                    case "Name":
                        current.Name = value;
                        break;
                    case "Description":
                        current.Description = value;
                        break;
                    default:
                        notes.Warn($"line {lineNo}: unknown attribute '{key}'");
                        break;
                }
            }
        }

        Flush();
        return notes.Result(types.ToImmutable());
    }

    /// <summary>
    /// Reads <c>--dumpjson</c>: <c>[ { "&lt;parent&gt;": [ { "&lt;type&gt;": { available_instances, device_api, name[, description] } } ] } ]</c>.
    /// Invalid or cut JSON gives an empty, truncated result.
    /// </summary>
    public static ParseResult<ImmutableArray<MdevType>> ParseJson(string? json)
    {
        var notes = new ParseNotes();
        var types = ImmutableArray.CreateBuilder<MdevType>();
        if (string.IsNullOrWhiteSpace(json))
        {
            return notes.Result(types.ToImmutable());
        }

        MdevctlJson.Walk(json, notes, (parent, id, v) => types.Add(new MdevType(
            parent,
            id,
            JsonValues.Int(v, "available_instances"),
            JsonValues.String(v, "device_api"),
            JsonValues.String(v, "name"),
            JsonValues.String(v, "description"))));

        return notes.Result(types.ToImmutable());
    }

    private static string Missing(Builder b)
    {
        var missing = new List<string>();
        if (b.Available is null)
        {
            missing.Add("Available instances");
        }

        if (b.DeviceApi is null)
        {
            missing.Add("Device API");
        }

        if (b.Name is null)
        {
            missing.Add("Name");
        }

        return string.Join(", ", missing);
    }

    private sealed class Builder(string? parent, string id)
    {
        public string? Parent { get; } = parent;

        public string Id { get; } = id;

        public int? Available { get; set; }

        public string? DeviceApi { get; set; }

        public string? Name { get; set; }

        public string? Description { get; set; }
    }
}
