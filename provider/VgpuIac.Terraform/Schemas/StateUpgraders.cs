using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Nodes;
using VgpuIac.Engine.Schema;

namespace VgpuIac.Terraform.Schemas;

/// <summary>
/// How stored state written by an older schema version of a resource becomes the current shape: per resource (by its
/// definition name, e.g. <c>host_driver</c>), one upgrader per version it upgrades from (N → N+1), applied in order on
/// the JSON Terraform stored. State of the current version passes through untouched; every version below
/// <see cref="ResourceDefinition.Version"/> must have its upgrader (the catalog refuses to start otherwise).
/// </summary>
public sealed class StateUpgraders
{
    public StateUpgraders(IReadOnlyDictionary<string, IReadOnlyDictionary<long, Func<JsonObject, JsonObject>>> byResource)
    {
        ArgumentNullException.ThrowIfNull(byResource);
        ByResource = byResource.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>
    /// The upgraders this provider ships. Every resource is still at schema version 0 (no stored shape has changed
    /// since the first release), so there is nothing to upgrade yet: when a resource's state changes shape, bump its
    /// <see cref="ResourceDefinition.Version"/> and add its upgrader from the previous version here.
    /// </summary>
    public static StateUpgraders Shipped { get; } = new(new Dictionary<string, IReadOnlyDictionary<long, Func<JsonObject, JsonObject>>>());

    public FrozenDictionary<string, IReadOnlyDictionary<long, Func<JsonObject, JsonObject>>> ByResource { get; }

    /// <summary>The versions below the current one that have no upgrader (empty when the table is complete).</summary>
    public IReadOnlyList<long> MissingSteps(ResourceDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ByResource.TryGetValue(definition.Name, out var steps);
        var missing = new List<long>();
        for (var from = 0L; from < definition.Version; from++)
        {
            if (steps is null || !steps.ContainsKey(from))
            {
                missing.Add(from);
            }
        }

        return missing;
    }

    /// <summary>
    /// Upgrades stored JSON state from <paramref name="fromVersion"/> to the definition's current version. Null when the
    /// stored JSON is not an object (then the state cannot be read at all).
    /// </summary>
    public byte[]? Upgrade(ResourceDefinition definition, long fromVersion, ReadOnlySpan<byte> json)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (fromVersion >= definition.Version)
        {
            return json.ToArray();
        }

        JsonObject? state;
        try
        {
            state = JsonNode.Parse(json) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }

        if (state is null)
        {
            return null;
        }

        var steps = ByResource[definition.Name];
        for (var version = fromVersion; version < definition.Version; version++)
        {
            state = steps[version](state);
        }

        return System.Text.Encoding.UTF8.GetBytes(state.ToJsonString());
    }
}
