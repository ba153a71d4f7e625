using System.Collections.Immutable;
using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Schema;
using VgpuIac.Engine.Values;

namespace VgpuIac.Terraform.Planning;

/// <summary>
/// Terraform's planning contract, applied by the door around the engine's own planner:
/// defaults and unknown computed values before the engine plans, and the plan-validity and
/// replacement rules afterwards, so a mistake surfaces here rather than as "Provider produced invalid plan".
/// All functions are pure.
/// </summary>
public static class PlanRules
{
    /// <summary>
    /// The starting plan: <paramref name="proposed"/> with defaults filled in for unset attributes and, when anything
    /// changes (or on create), computed attributes the user left unset made unknown, except stable ones with a prior value.
    /// When nothing changes, the prior values are kept as they are.
    /// </summary>
    public static Value Prepare(BlockDefinition block, Value prior, Value proposed, Value config, IReadOnlySet<string>? ignoredForChange = null)
    {
        var withDefaults = FillDefaults(block, proposed, config);
        var changed = prior.IsNull || !SameIgnoring(withDefaults, prior, ignoredForChange);
        return changed ? MarkComputedUnknown(block, prior, withDefaults, config) : withDefaults;
    }

    private static bool SameIgnoring(Value a, Value b, IReadOnlySet<string>? ignored)
    {
        if (ignored is null || a.Kind != ValueKind.Object || b.Kind != ValueKind.Object)
        {
            return a.Equals(b);
        }

        var keys = a.Fields.Keys.Union(b.Fields.Keys).Where(k => !ignored.Contains(k));
        return keys.All(k => a[k].Equals(b[k]));
    }

    private static Value FillDefaults(BlockDefinition block, Value proposed, Value config)
    {
        if (proposed.Kind != ValueKind.Object)
        {
            return proposed;
        }

        var result = proposed;
        foreach (var attribute in block.Attributes.Where(a => a.Default is not null))
        {
            if (config[attribute.Name].IsNull && proposed[attribute.Name].IsNull)
            {
                result = result.With(attribute.Name, attribute.Default!);
            }
        }

        return MapNested(block, result, config, Value.Null, (nested, _, p, c) => FillDefaults(nested, p, c));
    }

    private static Value MarkComputedUnknown(BlockDefinition block, Value prior, Value proposed, Value config)
    {
        if (proposed.Kind != ValueKind.Object)
        {
            return proposed;
        }

        var result = proposed;
        foreach (var attribute in block.Attributes.Where(a => a.IsComputed))
        {
            if (!config[attribute.Name].IsNull)
            {
                continue;
            }

            var priorValue = prior.Kind == ValueKind.Object ? prior[attribute.Name] : Value.Null;
            Value planned;
            if (attribute.Default is not null)
            {
                planned = attribute.Default;
            }
            else if (attribute.StableComputed && !priorValue.IsNull && priorValue.IsKnown)
            {
                planned = priorValue;
            }
            else
            {
                planned = Value.Unknown;
            }

            result = result.With(attribute.Name, planned);
        }

        return MapNested(block, result, config, prior, MarkComputedUnknown);
    }

    /// <summary>Applies <paramref name="map"/> to each element of SINGLE, LIST and MAP blocks, pairing config and prior elements by position or key.</summary>
    private static Value MapNested(BlockDefinition block, Value value, Value config, Value prior, Func<BlockDefinition, Value, Value, Value, Value> map)
    {
        var result = value;
        foreach (var nested in block.Blocks)
        {
            var planned = value[nested.Name];
            var configured = config.Kind == ValueKind.Object ? config[nested.Name] : Value.Null;
            var previous = prior.Kind == ValueKind.Object ? prior[nested.Name] : Value.Null;
            if (!planned.IsKnown || planned.IsNull)
            {
                continue;
            }

            switch (nested.Nesting)
            {
                case BlockNesting.Single:
                    result = result.With(nested.Name, map(nested, previous, planned, configured));
                    break;
                case BlockNesting.List:
                    var items = planned.Items;
                    result = result.With(nested.Name, Value.List(items.Select((item, i) => map(nested, ItemAt(previous, i), item, ItemAt(configured, i)))));
                    break;
                case BlockNesting.Map:
                    result = result.With(nested.Name, Value.Map(planned.Fields.Select(kv =>
                        KeyValuePair.Create(kv.Key, map(nested, EntryAt(previous, kv.Key), kv.Value, EntryAt(configured, kv.Key))))));
                    break;
            }
        }

        return result;
    }

    private static Value ItemAt(Value list, int index) =>
        list.Kind is ValueKind.List && index < list.Items.Length ? list.Items[index] : Value.Null;

    private static Value EntryAt(Value map, string key) =>
        map.Kind is ValueKind.Map or ValueKind.Object && map.Fields.TryGetValue(key, out var v) ? v : Value.Null;

    /// <summary>
    /// Makes a plan valid the way Terraform checks it: configured values are planned as written (or as the
    /// equal-enough prior value), unset non-computed attributes stay null, collection blocks are never null
    /// and keep the configuration's element count. Each correction is reported through <paramref name="corrections"/>.
    /// </summary>
    public static Value Enforce(BlockDefinition block, Value prior, Value config, Value planned, ICollection<AttributePath>? corrections = null) =>
        EnforceBlock(block, prior, config, planned, AttributePath.Root, corrections);

    private static Value EnforceBlock(BlockDefinition block, Value prior, Value config, Value planned, AttributePath path, ICollection<AttributePath>? corrections)
    {
        if (config.IsNull || !config.IsKnown || planned.Kind != ValueKind.Object)
        {
            return planned;
        }

        var result = planned;
        foreach (var attribute in block.Attributes)
        {
            var configured = config[attribute.Name];
            var value = planned[attribute.Name];
            var previous = prior.Kind == ValueKind.Object ? prior[attribute.Name] : Value.Null;
            var valid = !configured.IsNull
                ? value.Equals(configured) || (!previous.IsNull && value.Equals(previous))
                : attribute.IsComputed || value.IsNull;
            if (!valid)
            {
                result = result.With(attribute.Name, configured);
                corrections?.Add(path.Attribute(attribute.Name));
            }
        }

        foreach (var nested in block.Blocks)
        {
            var configured = config[nested.Name];
            var value = planned[nested.Name];
            var previous = prior.Kind == ValueKind.Object ? prior[nested.Name] : Value.Null;
            var at = path.Attribute(nested.Name);
            if (!configured.IsKnown)
            {
                if (value.IsKnown)
                {
                    result = result.With(nested.Name, configured);
                    corrections?.Add(at);
                }

                continue;
            }

            switch (nested.Nesting)
            {
                case BlockNesting.Single:
                    if (configured.IsNull != value.IsNull || !value.IsKnown)
                    {
                        result = result.With(nested.Name, configured);
                        corrections?.Add(at);
                    }
                    else
                    {
                        result = result.With(nested.Name, EnforceBlock(nested, previous, configured, value, at, corrections));
                    }

                    break;
                case BlockNesting.List:
                    var configItems = configured.IsNull ? [] : configured.Items;
                    if (!value.IsKnown || value.IsNull || value.Items.Length != configItems.Length)
                    {
                        result = result.With(nested.Name, Value.List(configItems));
                        corrections?.Add(at);
                    }
                    else
                    {
                        result = result.With(nested.Name, Value.List(value.Items.Select((item, i) =>
                            EnforceBlock(nested, ItemAt(previous, i), configItems[i], item, at.Index(i), corrections))));
                    }

                    break;
                case BlockNesting.Set:
                    if (!value.IsKnown || value.IsNull)
                    {
                        result = result.With(nested.Name, configured.IsNull ? Value.Set([]) : configured);
                        corrections?.Add(at);
                    }

                    break;
                default:
                    var configEntries = configured.IsNull ? ImmutableSortedDictionary<string, Value>.Empty : configured.Fields;
                    if (!value.IsKnown || value.IsNull || !value.Fields.Keys.SequenceEqual(configEntries.Keys))
                    {
                        result = result.With(nested.Name, Value.Map(configEntries));
                        corrections?.Add(at);
                    }
                    else
                    {
                        result = result.With(nested.Name, Value.Map(value.Fields.Select(kv =>
                            KeyValuePair.Create(kv.Key, EnforceBlock(nested, EntryAt(previous, kv.Key), configEntries[kv.Key], kv.Value, at.Key(kv.Key), corrections)))));
                    }

                    break;
            }
        }

        return result;
    }

    /// <summary>
    /// Paths whose change replaces the object: the engine's, plus every attribute or block marked
    /// <see cref="AttributeDefinition.ForcesReplacement"/> whose planned value differs from the prior one
    /// (or is unknown). Empty on create.
    /// </summary>
    public static ImmutableArray<AttributePath> RequiresReplace(BlockDefinition block, Value prior, Value planned, IEnumerable<AttributePath> fromEngine)
    {
        if (prior.IsNull || planned.IsNull)
        {
            return [];
        }

        var paths = new List<AttributePath>();
        foreach (var path in fromEngine)
        {
            if (!paths.Contains(path))
            {
                paths.Add(path);
            }
        }

        foreach (var attribute in block.Attributes.Where(a => a.ForcesReplacement))
        {
            var before = prior[attribute.Name];
            var after = planned[attribute.Name];
            var changed = after.IsWhollyKnown ? !after.Equals(before) : !(attribute.IsComputed && before.IsNull);
            if (changed && !paths.Contains(AttributePath.Of(attribute.Name)))
            {
                paths.Add(AttributePath.Of(attribute.Name));
            }
        }

        foreach (var nested in block.Blocks.Where(b => b.ForcesReplacement))
        {
            if (!planned[nested.Name].Equals(prior[nested.Name]) && !paths.Contains(AttributePath.Of(nested.Name)))
            {
                paths.Add(AttributePath.Of(nested.Name));
            }
        }

        return [.. paths];
    }

    /// <summary>
    /// Where an apply result contradicts the plan: every known planned value must come back equal.
    /// Unknown planned values may become anything; set elements are compared only when wholly known.
    /// </summary>
    public static ImmutableArray<AttributePath> Inconsistencies(Value planned, Value actual)
    {
        var found = new List<AttributePath>();
        Compare(planned, actual, AttributePath.Root, found);
        return [.. found];
    }

    private static void Compare(Value planned, Value actual, AttributePath path, List<AttributePath> found)
    {
        if (planned.IsUnknown)
        {
            return;
        }

        if (planned.IsWhollyKnown)
        {
            if (!planned.Equals(actual))
            {
                found.Add(path);
            }

            return;
        }

        if (planned.Kind != actual.Kind)
        {
            found.Add(path);
            return;
        }

        switch (planned.Kind)
        {
            case ValueKind.List:
                if (planned.Items.Length != actual.Items.Length)
                {
                    found.Add(path);
                    return;
                }

                for (var i = 0; i < planned.Items.Length; i++)
                {
                    Compare(planned.Items[i], actual.Items[i], path.Index(i), found);
                }

                break;
            case ValueKind.Set:
                if (planned.Items.Length != actual.Items.Length)
                {
                    found.Add(path);
                }

                break;
            case ValueKind.Map:
                if (!planned.Fields.Keys.SequenceEqual(actual.Fields.Keys))
                {
                    found.Add(path);
                    return;
                }

                foreach (var (key, value) in planned.Fields)
                {
                    Compare(value, actual.Fields[key], path.Key(key), found);
                }

                break;
            case ValueKind.Object:
                foreach (var (name, value) in planned.Fields)
                {
                    Compare(value, actual[name], path.Attribute(name), found);
                }

                break;
        }
    }
}
