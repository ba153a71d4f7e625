using VgpuIac.Engine.ProfileOverride;
using VgpuIac.Engine.Tests.Licensing;
using VgpuIac.Engine.Tests.Support;
using VgpuIac.Engine.Values;
using VgpuIac.NodeSim;
using static VgpuIac.Engine.Tests.ProfileOverride.OverrideConfig;

namespace VgpuIac.Engine.Tests.ProfileOverride;

/// <summary>
/// <c>profile_override.toml</c> is root:root 0644; a file made world-writable or handed to another user shows in the plan
/// (<c>file_modes</c>), the apply repairs owner and mode without rewriting a byte, and the next plan is empty.
/// Simulated node over real SSH.
/// </summary>
public sealed class ProfileOverrideFileModeTests
{
    private const string FilePath = ProfileOverrideDefinition.FilePath;

    private static Value Ours => Value.Map([KeyValuePair.Create(FilePath, Value.String("0644 root:root"))]);

    private static async Task<string> ModeAsync(SimulatedNode node) => (await node.ExecCheckedAsync($"stat -c '%a %u %g' {FilePath}")).Trim();

    [NodeFact]
    public async Task A_world_writable_file_shows_in_the_plan_and_the_apply_repairs_it_without_rewriting_it()
    {
        await using var ctx = await NodeContext.StartAsync();
        await HostDriverSetup.InstallAsync(ctx.Node);
        var driver = new ResourceDriver(new ProfileOverrideResource(), ctx.Context);
        var config = Of(Str("mdev_type", "nvidia-46"), Num("num_displays", 1));

        var (state, _) = await driver.ApplyAsync(config, null);
        Assert.Equal(Ours, state!["file_modes"]);
        Assert.Equal("644 0 0", await ModeAsync(ctx.Node));
        Assert.Equal(state, (await driver.PlanAsync(config, state)).Planned);

        await ctx.Node.ExecCheckedAsync($"chmod 0666 {FilePath} && chown 1000:1000 {FilePath}");
        var content = await ctx.Node.ExecCheckedAsync($"sha256sum {FilePath}");
        var read = (await driver.ReadAsync(state)).NewState!;
        Assert.Equal(Value.Map([KeyValuePair.Create(FilePath, Value.String("0666 1000:1000"))]), read["file_modes"]);

        // the plan: file_modes back to ours, nothing else
        var plan = await driver.PlanAsync(config, read);
        Assert.DoesNotContain(plan.Diagnostics, d => d.IsError);
        Assert.Equal(read.With("file_modes", Ours), plan.Planned);

        var mark = await ctx.Node.CommandLogMarkAsync();
        var (repaired, _) = await driver.ApplyAsync(config, read);
        Assert.Equal(plan.Planned, repaired);
        Assert.Equal("644 0 0", await ModeAsync(ctx.Node));
        Assert.Equal(content, await ctx.Node.ExecCheckedAsync($"sha256sum {FilePath}"));
        var log = await ctx.Node.ReadCommandLogAsync(mark);
        Assert.Single(log, e => e.Kind == CommandLogKind.Exec && e.Text.EndsWith($"bash -s -- 644 {FilePath}", StringComparison.Ordinal));
        Assert.DoesNotContain(log, e => e.Text.Contains("vgpuiac-write", StringComparison.Ordinal));

        var after = (await driver.ReadAsync(repaired!)).NewState!;
        Assert.Equal(repaired, after);
        Assert.Equal(after, (await driver.PlanAsync(config, after)).Planned);
    }

    [NodeFact]
    public async Task An_imported_hand_written_file_shows_its_owner_and_mode_and_the_import_changes_nothing()
    {
        await using var ctx = await NodeContext.StartAsync();
        await HostDriverSetup.InstallAsync(ctx.Node);
        await ctx.Node.ExecCheckedAsync($"mkdir -p /etc/vgpu_unlock && printf '[profile.nvidia-46]\\nnum_displays = 1\\n' > {FilePath} && chmod 0664 {FilePath} && chown 1000:0 {FilePath}");
        var driver = new ResourceDriver(new ProfileOverrideResource(), ctx.Context);

        var imported = await driver.ImportAsync("pve1/profile.nvidia-46");
        Assert.DoesNotContain(imported.Diagnostics, d => d.IsError);
        Assert.Equal(Value.Map([KeyValuePair.Create(FilePath, Value.String("0664 1000:root"))]), imported.State!["file_modes"]);
        Assert.Equal("664 1000 0", await ModeAsync(ctx.Node));

        var config = Of(Str("mdev_type", "nvidia-46"), Num("num_displays", 1));
        var plan = await driver.PlanAsync(config, imported.State);
        Assert.Equal(Ours, plan.Planned!["file_modes"]);
        var (state, _) = await driver.ApplyAsync(config, imported.State);
        Assert.Equal("644 0 0", await ModeAsync(ctx.Node));
        Assert.Equal(state, (await driver.PlanAsync(config, (await driver.ReadAsync(state!)).NewState)).Planned);
    }
}
