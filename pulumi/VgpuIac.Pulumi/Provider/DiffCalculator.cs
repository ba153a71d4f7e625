using VgpuIac.Engine.Values;
using VgpuIac.Pulumi.Model;
using VgpuIac.Pulumi.PropertyValues;
using VgpuIac.Pulumi.Rpc;
using Kind = VgpuIac.Pulumi.Rpc.PropertyDiff.Types.Kind;

namespace VgpuIac.Pulumi.Provider;

/// <summary>
/// Pure diff of old inputs against new inputs for a resource: which top-level properties changed, which of them
/// (or which paths the engine's plan names) force a replacement, and the detailed diff Pulumi shows. Values are
/// compared unwrapped (a secret and its plain text are equal); an unset optional-computed input keeps the prior value.
/// </summary>
public static class DiffCalculator
{
    public static IReadOnlyList<string> ChangedInputs(PulumiDefinition model, Value oldInputs, Value news, IEnumerable<string> ignoreChanges)
    {
        var ignored = new HashSet<string>(ignoreChanges.Select(PropertyPath.TopLevel), StringComparer.Ordinal);
        var changed = new List<string>();
        foreach (var p in model.Inputs)
        {
            if (ignored.Contains(p.CamelName))
            {
                continue;
            }

            var before = oldInputs[p.Name];
            var after = news[p.Name];
            if (p.IsComputed && after.IsNull)
            {
                continue;
            }

            if (!Normalize(before, p).Equals(Normalize(after, p)))
            {
                changed.Add(p.Name);
            }
        }

        return changed;
    }

    /// <summary>
    /// Outputs the engine's plan sets differently from the (refreshed) prior state although no input changed them: the
    /// node drifted and the apply repairs it (a file mode, a unit, a stopped container's status). Only outputs count:
    /// inputs (also optional computed ones, which may follow an input the program lists in ignoreChanges) are left to
    /// <see cref="ChangedInputs"/>. An output the plan leaves unknown counts, as the engine only does that for a value
    /// the apply will change.
    /// </summary>
    public static IReadOnlyList<string> PlannedDrift(PulumiDefinition model, Value prior, Value? planned, IReadOnlyList<string> changed, IEnumerable<string> ignoreChanges)
    {
        // With an input changed the update runs anyway and repairs everything; its outputs are unknown until then.
        if (changed.Count > 0 || planned is not { } after || after.IsNull)
        {
            return [];
        }

        var ignored = new HashSet<string>(ignoreChanges.Select(PropertyPath.TopLevel), StringComparer.Ordinal);
        var drift = new List<string>();
        foreach (var p in model.Shape.Properties)
        {
            if (p.IsInput || ignored.Contains(p.CamelName))
            {
                continue;
            }

            var planValue = after[p.Name];
            if (!planValue.IsWhollyKnown || !Normalize(prior[p.Name], p).Equals(Normalize(planValue, p)))
            {
                drift.Add(p.Name);
            }
        }

        return drift;
    }

    /// <summary>Builds the response from the changed inputs, the outputs the plan repairs and the engine plan's replacement paths (Pulumi paths).</summary>
    public static DiffResponse Build(PulumiDefinition model, Value oldInputs, Value news, IReadOnlyList<string> changed, IEnumerable<string> planReplacePaths, bool deleteBeforeReplace, IReadOnlyList<string>? drift = null)
    {
        var response = new DiffResponse { HasDetailedDiff = true };
        var diffs = new List<string>();
        var replaces = new List<string>();
        foreach (var name in changed)
        {
            var p = model.Shape.Properties.First(x => x.Name == name);
            var before = oldInputs[name];
            var after = news[name];
            var kind = before.IsNull ? Kind.Add : after.IsNull ? Kind.Delete : Kind.Update;
            if (p.ForcesReplacement)
            {
                kind = Replace(kind);
                replaces.Add(p.CamelName);
            }

            diffs.Add(p.CamelName);
            response.DetailedDiff[p.CamelName] = new PropertyDiff { Kind = kind, InputDiff = true };
        }

        foreach (var name in drift ?? [])
        {
            var p = model.Shape.Properties.First(x => x.Name == name);
            diffs.Add(p.CamelName);
            response.DetailedDiff[p.CamelName] = new PropertyDiff { Kind = p.ForcesReplacement ? Kind.UpdateReplace : Kind.Update, InputDiff = false };
            if (p.ForcesReplacement)
            {
                replaces.Add(p.CamelName);
            }
        }

        foreach (var path in planReplacePaths.Where(x => x.Length > 0))
        {
            var top = PropertyPath.TopLevel(path);
            if (!replaces.Contains(top))
            {
                replaces.Add(top);
            }

            if (!diffs.Contains(top))
            {
                diffs.Add(top);
            }

            if (response.DetailedDiff.TryGetValue(top, out var existing))
            {
                existing.Kind = Replace(existing.Kind);
            }
            else if (!response.DetailedDiff.ContainsKey(path))
            {
                response.DetailedDiff[path] = new PropertyDiff { Kind = Kind.UpdateReplace, InputDiff = true };
            }
        }

        response.Diffs.AddRange(diffs);
        response.Replaces.AddRange(replaces);
        response.Changes = diffs.Count > 0 ? DiffResponse.Types.DiffChanges.DiffSome : DiffResponse.Types.DiffChanges.DiffNone;
        response.DeleteBeforeReplace = replaces.Count > 0 && deleteBeforeReplace;
        return response;
    }

    private static Kind Replace(Kind kind) => kind switch
    {
        Kind.Add or Kind.AddReplace => Kind.AddReplace,
        Kind.Delete or Kind.DeleteReplace => Kind.DeleteReplace,
        _ => Kind.UpdateReplace,
    };

    // An absent block and an empty one are the same configuration.
    private static Value Normalize(Value v, PulumiProperty p) => v.IsNull ? p.Absent : v;
}
