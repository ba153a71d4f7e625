using System.Text.Json;

namespace VgpuIac.Engine.Parsing.Mdev;

/// <summary>
/// The shape both <c>mdevctl types --dumpjson</c> and <c>mdevctl list --dumpjson</c> print:
/// <c>[ { "&lt;parent&gt;": [ { "&lt;key&gt;": { ... } } ] } ]</c>. Walks it and hands each (parent, key, object) to the caller.
/// </summary>
internal static class MdevctlJson
{
    /// <summary>Calls <paramref name="entry"/> for every entry; bad shapes are skipped, cut JSON marks the result truncated.</summary>
    public static void Walk(string json, ParseNotes notes, Action<string, string, JsonElement> entry)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Array)
            {
                notes.Warn("expected a JSON array at the top level");
                return;
            }

            foreach (var parentObject in doc.RootElement.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object))
            {
                foreach (var parent in parentObject.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Array))
                {
                    foreach (var item in parent.Value.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object))
                    {
                        foreach (var keyed in item.EnumerateObject())
                        {
                            entry(parent.Name, keyed.Name, keyed.Value);
                        }
                    }
                }
            }
        }
        catch (JsonException ex)
        {
            notes.Truncate($"the JSON ends or breaks early: {ex.Message}");
        }
    }
}
