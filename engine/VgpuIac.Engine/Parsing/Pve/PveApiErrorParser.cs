using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;

namespace VgpuIac.Engine.Parsing.Pve;

/// <summary>Reads PVE API errors: the JSON body, <c>pvesh</c> text ("400 Parameter verification failed." + "key: msg"), or a client's wrapped text ("HTTP 500 ... Reason: ...").</summary>
public static class PveApiErrorParser
{
    private const string OnlyRootMarker = "only root can set '";

    public static ParseResult<PveApiError> Parse(string? text)
    {
        var notes = new ParseNotes();
        var s = text ?? string.Empty;
        int? status = null;
        string? message = null;
        var fields = ImmutableArray.CreateBuilder<KeyValuePair<string, string>>();

        var brace = s.IndexOf('{', StringComparison.Ordinal);
        var jsonRead = false;
        if (brace >= 0)
        {
            try
            {
                using var doc = JsonDocument.Parse(s[brace..]);
                var root = doc.RootElement;
                if (root.ValueKind == JsonValueKind.Object)
                {
                    jsonRead = true;
                    message = JsonValues.String(root, "message")?.Trim();
                    if (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
                    {
                        foreach (var e in errors.EnumerateObject())
                        {
                            fields.Add(new KeyValuePair<string, string>(e.Name, e.Value.ValueKind == JsonValueKind.String ? e.Value.GetString()!.Trim() : e.Value.GetRawText()));
                        }
                    }
                }
            }
            catch (JsonException ex)
            {
                notes.Truncate($"the JSON error body ends or breaks early: {ex.Message}");
            }
        }

        var lines = TextLines.Split(jsonRead ? s[..brace] : s);
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var http = line.IndexOf("HTTP ", StringComparison.Ordinal);
            if (http >= 0 && status is null)
            {
                status = ReadStatus(line.AsSpan(http + 5));
            }
            else if (status is null && line.Length > 4 && char.IsAsciiDigit(line[0]) && line[3] == ' ')
            {
                status = ReadStatus(line);
                message ??= line[4..].Trim();
                continue;
            }

            var reason = line.IndexOf("Reason: ", StringComparison.Ordinal);
            if (reason >= 0)
            {
                message ??= line[(reason + 8)..].Trim();
                continue;
            }

            var colon = line.IndexOf(": ", StringComparison.Ordinal);
            if (colon > 0 && !line[..colon].Contains(' ', StringComparison.Ordinal))
            {
                fields.Add(new KeyValuePair<string, string>(line[..colon], line[(colon + 2)..].Trim()));
                continue;
            }

            message ??= line;
        }

        string? hostPciKey = null;
        foreach (var candidate in fields.Select(f => f.Value).Append(message ?? string.Empty))
        {
            var at = candidate.IndexOf(OnlyRootMarker, StringComparison.Ordinal);
            if (at >= 0)
            {
                var rest = candidate[(at + OnlyRootMarker.Length)..];
                var end = rest.IndexOf('\'', StringComparison.Ordinal);
                hostPciKey = end > 0 ? rest[..end] : null;
                break;
            }
        }

        if (message is null && fields.Count == 0)
        {
            notes.Warn("no error message found");
        }

        var onlyRoot = (message?.Contains(OnlyRootMarker, StringComparison.Ordinal) ?? false) || fields.Any(f => f.Value.Contains(OnlyRootMarker, StringComparison.Ordinal));
        return notes.Result(new PveApiError(status, message, fields.ToImmutable(), onlyRoot, hostPciKey));
    }

    private static int? ReadStatus(ReadOnlySpan<char> s) =>
        s.Length >= 3 && int.TryParse(s[..3], NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v is >= 100 and < 600 ? v : null;
}
