using VgpuIac.Engine.ProfileOverride;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.Tests.ProfileOverride;

/// <summary>Builds a <c>vgpu_profile_override</c> configuration: every attribute null except those given.</summary>
internal static class OverrideConfig
{
    public static Value Of(params (string Name, Value Value)[] set)
    {
        var fields = ProfileOverrideDefinition.Definition.Attributes.ToDictionary(a => a.Name, _ => Value.Null, StringComparer.Ordinal);
        foreach (var (name, value) in set)
        {
            Assert.True(fields.ContainsKey(name), $"no attribute {name}");
            fields[name] = value;
        }

        return Value.Object(fields);
    }

    public static (string, Value) Num(string name, decimal value) => (name, Value.Number(value));

    public static (string, Value) Str(string name, string value) => (name, Value.String(value));
}
