using System.Text.Json.Nodes;

namespace VgpuIac.Pulumi.Tests.Support;

/// <summary>Builds drive.js plan steps and reads their results, for lifecycle tests of one resource type.</summary>
public static class RpcSteps
{
    public static JsonObject Step(string rpc, params (string Key, JsonNode? Value)[] fields)
    {
        var o = new JsonObject { ["rpc"] = rpc };
        foreach (var (k, v) in fields)
        {
            o[k] = v;
        }

        return o;
    }

    /// <summary>A step on resource <paramref name="name"/> of type <paramref name="type"/>.</summary>
    public static JsonObject On(string type, string name, string rpc, params (string Key, JsonNode? Value)[] fields) =>
        Step(rpc, [("type", type), ("name", name), .. fields]);

    /// <summary>The names in a string array of a response (diffs, replaces).</summary>
    public static IReadOnlyList<string> Names(JsonNode? array) => [.. array!.AsArray().Select(d => d!.GetValue<string>())];

    /// <summary>The check failures of a Check response as (property, reason).</summary>
    public static IReadOnlyList<(string Property, string Reason)> Failures(JsonObject check) =>
        [.. check["failures"]!.AsArray().Select(f => (f!["property"]!.GetValue<string>(), f["reason"]!.GetValue<string>()))];

    /// <summary>A copy of <paramref name="properties"/> without <paramref name="keys"/>.</summary>
    public static JsonObject Without(JsonObject properties, params string[] keys)
    {
        var copy = properties.DeepClone().AsObject();
        foreach (var k in keys)
        {
            copy.Remove(k);
        }

        return copy;
    }

    /// <summary>Both objects have the same keys and values (secrets compared as secrets), apart from <paramref name="except"/>.</summary>
    public static void AssertSameState(JsonObject expected, JsonObject actual, params string[] except)
    {
        var e = Without(expected, except);
        var a = Without(actual, except);
        Assert.Equal(e.Select(kv => kv.Key).Order(StringComparer.Ordinal), a.Select(kv => kv.Key).Order(StringComparer.Ordinal));
        foreach (var (key, value) in e)
        {
            Assert.True(JsonNode.DeepEquals(value, a[key]), $"{key}: expected {value?.ToJsonString()}, got {a[key]?.ToJsonString()}");
        }
    }
}
