using System.Collections.Immutable;
using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Schema;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.Resources;

/// <summary>
/// The generic part of planning that every resource shares: defaults for unset attributes, computed values
/// unknown on create, stable computed values kept from the prior state, and which changed attributes force
/// replacement. Resources call <see cref="Prepare"/> first, then set what they know better.
/// </summary>
internal static class PlanDefaults
{
    /// <summary>
    /// Builds the starting planned state from the configuration and the prior state:
    /// configured values as written; unset attributes with a default get it; computed attributes are unknown
    /// on create and kept from <paramref name="prior"/> on update when <see cref="AttributeDefinition.StableComputed"/>
    /// (other computed attributes become unknown when anything the user set changed, else are kept).
    /// </summary>
    public static Value Prepare(ResourceDefinition definition, Value config, Value? prior)
    {
        var configChanged = prior is null || definition.Attributes.Any(a => a.Mode switch
        {
            AttributeMode.Required or AttributeMode.Optional => !Same(config[a.Name], prior[a.Name]),
            AttributeMode.OptionalComputed => !config[a.Name].IsNull && !Same(config[a.Name], prior[a.Name]),
            _ => false,
        }) || definition.Blocks.Any(b => !Same(config[b.Name], prior[b.Name]));
        var fields = new Dictionary<string, Value>(StringComparer.Ordinal);
        foreach (var a in definition.Attributes)
        {
            var configured = config[a.Name];
            Value planned;
            if (a.Mode is AttributeMode.Required or AttributeMode.Optional)
            {
                planned = configured;
            }
            else if (a.Mode == AttributeMode.OptionalComputed && !configured.IsNull)
            {
                planned = configured;
            }
            else if (a.Default is not null)
            {
                planned = a.Default;
            }
            else if (prior is not null && (a.StableComputed || !configChanged))
            {
                planned = prior[a.Name];
            }
            else
            {
                planned = Value.Unknown;
            }

            fields[a.Name] = a.Sensitive && !planned.IsNull ? planned.AsSensitive() : planned;
        }

        foreach (var b in definition.Blocks)
        {
            fields[b.Name] = config[b.Name];
        }

        return Value.Object(fields);
    }

    /// <summary>Attributes with <see cref="AttributeDefinition.ForcesReplacement"/> whose planned value differs from the prior one.</summary>
    public static ImmutableArray<AttributePath> ReplacementPaths(ResourceDefinition definition, Value? prior, Value planned)
    {
        if (prior is null)
        {
            return [];
        }

        return [.. definition.Attributes
            .Where(a => a.ForcesReplacement && !Same(prior[a.Name], planned[a.Name]) && !(planned[a.Name].IsUnknown && a.IsComputed && prior[a.Name].IsNull))
            .Select(a => AttributePath.Of(a.Name))];
    }

    /// <summary>True when the attributes the user controls are the same in both states.</summary>
    public static bool ConfigurableEqual(ResourceDefinition definition, Value a, Value b) =>
        definition.Attributes.Where(x => !x.IsComputed || x.IsOptional).All(x => Same(a[x.Name], b[x.Name]))
        && definition.Blocks.All(x => Same(a[x.Name], b[x.Name]));

    private static bool Same(Value a, Value b) => a.Equals(b);
}
