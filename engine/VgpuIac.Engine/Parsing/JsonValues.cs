using System.Text.Json;

namespace VgpuIac.Engine.Parsing;

/// <summary>Tolerant reads from a <see cref="JsonElement"/> (no reflection).</summary>
internal static class JsonValues
{
    public static string? String(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var p)
            ? p.ValueKind switch
            {
                JsonValueKind.String => p.GetString(),
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => p.GetRawText(),
                _ => null,
            }
            : null;

    public static int? Int(JsonElement obj, string name)
    {
        if (obj.ValueKind != JsonValueKind.Object || !obj.TryGetProperty(name, out var p))
        {
            return null;
        }

        return p.ValueKind switch
        {
            JsonValueKind.Number when p.TryGetInt32(out var i) => i,
            JsonValueKind.String => TextLines.Int(p.GetString()),
            _ => null,
        };
    }
}
