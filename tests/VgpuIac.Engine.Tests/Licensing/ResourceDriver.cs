using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Resources;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.Tests.Licensing;

/// <summary>Drives an IResource the way a door does: plan (with the proposed state) then apply, and read/import.</summary>
public sealed class ResourceDriver(IResource resource, ResourceContext context)
{
    public async Task<PlanResult> PlanAsync(Value config, Value? prior, string? replacing = null)
    {
        var filled = Fill(config);
        return await resource.PlanAsync(new PlanRequest { Context = context, Prior = prior, Config = filled, ProposedNewState = filled, Replacing = replacing }, CancellationToken.None);
    }

    /// <summary>Plan then apply; fails the test on any error diagnostic unless <paramref name="expectErrors"/>.</summary>
    public async Task<(Value? State, IReadOnlyList<Diagnostic> Diagnostics)> ApplyAsync(Value config, Value? prior, bool expectErrors = false, string? replacing = null)
    {
        var plan = await PlanAsync(config, prior, replacing);
        if (plan.Diagnostics.Any(d => d.IsError))
        {
            Assert.True(expectErrors, "plan failed: " + string.Join("\n", plan.Diagnostics.Select(d => $"{d.Summary}: {d.Detail}")));
            return (prior, plan.Diagnostics);
        }

        var apply = await resource.ApplyAsync(new ApplyRequest { Context = context, Prior = prior, Planned = plan.Planned, Config = Fill(config) }, CancellationToken.None);
        if (!expectErrors)
        {
            Assert.False(apply.Diagnostics.Any(d => d.IsError), "apply failed: " + string.Join("\n", apply.Diagnostics.Select(d => $"{d.Summary}: {d.Detail}")));
        }

        return (apply.NewState, [.. plan.Diagnostics, .. apply.Diagnostics]);
    }

    public async Task<ApplyResult> DeleteAsync(Value state) =>
        await resource.ApplyAsync(new ApplyRequest { Context = context, Prior = state, Planned = null, Config = state }, CancellationToken.None);

    public async Task<ReadResult> ReadAsync(Value state) =>
        await resource.ReadAsync(new ReadRequest { Context = context, State = state }, CancellationToken.None);

    public async Task<ImportResult> ImportAsync(string id) =>
        await resource.ImportAsync(new ImportRequest { Context = context, Id = id }, CancellationToken.None);

    /// <summary>Every attribute present (null when unset), as a door passes configuration.</summary>
    public Value Fill(Value config) =>
        Value.Object(resource.Definition.Attributes.Select(a => new KeyValuePair<string, Value>(a.Name, config[a.Name])));
}
