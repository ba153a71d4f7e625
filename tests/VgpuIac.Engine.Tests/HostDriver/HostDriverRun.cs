using VgpuIac.Engine.HostDriver;
using VgpuIac.Engine.Resources;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.Tests.HostDriver;

/// <summary>Drives <see cref="HostDriverResource"/> the way a door does: validate, plan, apply with the planned state.</summary>
internal static class HostDriverRun
{
    public static HostDriverResource Resource { get; } = new();

    public static Value Config(params (string Name, Value Value)[] set)
    {
        var v = Value.Object(HostDriverSchema.Definition.Attributes.Select(a => new KeyValuePair<string, Value>(a.Name, Value.Null)));
        return set.Aggregate(v.With("node", Value.String("pve1")), (acc, s) => acc.With(s.Name, s.Value));
    }

    public static Value FromFile(string path, params (string Name, Value Value)[] more) =>
        Config([("installer_source", Value.String(path)), .. more]);

    public static Task<PlanResult> PlanAsync(ResourceContext context, Value config, Value? prior) =>
        Resource.PlanAsync(new PlanRequest { Context = context, Config = config, Prior = prior, ProposedNewState = config }, CancellationToken.None);

    /// <summary>Plans and, when the plan has no errors, applies. Apply is null when the plan failed.</summary>
    public static async Task<(PlanResult Plan, ApplyResult? Apply)> PlanApplyAsync(ResourceContext context, Value config, Value? prior)
    {
        Assert.DoesNotContain(Resource.Validate(config), d => d.IsError);
        var plan = await PlanAsync(context, config, prior);
        if (plan.Diagnostics.Any(d => d.IsError))
        {
            return (plan, null);
        }

        var apply = await Resource.ApplyAsync(new ApplyRequest { Context = context, Config = config, Prior = prior, Planned = plan.Planned }, CancellationToken.None);
        return (plan, apply);
    }

    public static async Task<ApplyResult> DestroyAsync(ResourceContext context, Value prior)
    {
        var plan = await Resource.PlanAsync(new PlanRequest { Context = context, Config = Value.Null, Prior = prior, ProposedNewState = null }, CancellationToken.None);
        Assert.Null(plan.Planned);
        return await Resource.ApplyAsync(new ApplyRequest { Context = context, Config = Value.Null, Prior = prior, Planned = null }, CancellationToken.None);
    }

    public static string Errors(IEnumerable<VgpuIac.Engine.Diagnostics.Diagnostic> diagnostics) =>
        string.Join("\n", diagnostics.Select(d => $"{d.Severity}: {d.Summary}: {d.Detail}"));
}
