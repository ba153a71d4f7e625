using System.Collections.Immutable;
using System.Text.Json;

namespace VgpuIac.Engine.Parsing.Mdev;

/// <summary>Reads <c>mdevctl types --dumpjson</c> (the node probe asks for JSON; the text layout is not read).</summary>
internal static class MdevctlTypesParser
{
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
}
