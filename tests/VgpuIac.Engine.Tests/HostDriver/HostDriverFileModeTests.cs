using VgpuIac.Engine.Host;
using VgpuIac.Engine.Resources;
using VgpuIac.Engine.Tests.Support;
using VgpuIac.Engine.Values;
using VgpuIac.NodeSim;

namespace VgpuIac.Engine.Tests.HostDriver;

/// <summary>
/// The files vgpu_host_driver leaves (its marker and the installer it staged, which runs as root again to uninstall) are
/// root:root with VgpuIac's mode; another owner or mode shows in the plan (<c>file_modes</c>), the apply repairs it and
/// changes nothing else, and the next plan is empty. A nouveau blacklist written by hand is the user's and never listed.
/// Simulated node over real SSH.
/// </summary>
public sealed class HostDriverFileModeTests : IDisposable
{
    private const string Marker = "/var/lib/vgpu-iac/host-driver.env";
    private const string Blacklist = "/etc/modprobe.d/blacklist-nouveau.conf";

    private readonly string _dir = Directory.CreateTempSubdirectory("vgpuiac-hdmode-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static async Task<string> ModeAsync(SimulatedNode node, string path) => (await node.ExecCheckedAsync($"stat -c '%a %u %g' {path}")).Trim();

    private static async Task<Value> ReadAsync(NodeContext ctx, Value state)
    {
        NodeFactsCache.Shared.Invalidate(ctx.Shell);
        return (await HostDriverRun.Resource.ReadAsync(new ReadRequest { Context = ctx.Context, State = state }, CancellationToken.None)).NewState!;
    }

    [NodeFact]
    public async Task A_world_writable_installer_and_a_marker_owned_by_a_user_show_in_the_plan_and_the_apply_repairs_them()
    {
        await using var ctx = await NodeContext.StartAsync(new NodeOptions { HeaderPackages = [] });
        // the tutorial's blacklist, written by hand (and left group-writable): the user's file, not ours
        await ctx.Node.ExecCheckedAsync($"printf 'blacklist nouveau\\noptions nouveau modeset=0\\n' > {Blacklist} && chmod 0664 {Blacklist}");
        var installer = FakeInstaller.Write(_dir, "535.129.03");
        var config = HostDriverRun.FromFile(installer);
        var (_, apply) = await HostDriverRun.PlanApplyAsync(ctx.Context, config, null);
        Assert.False(apply!.Diagnostics.Any(d => d.IsError), HostDriverRun.Errors(apply.Diagnostics));
        var state = apply.NewState!;

        var staged = $"/var/lib/vgpu-iac/installers/{Path.GetFileName(installer)}";
        var ours = Value.Map([KeyValuePair.Create(Marker, Value.String("0644 root:root")), KeyValuePair.Create(staged, Value.String("0755 root:root"))]);
        Assert.Equal(ours, state["file_modes"]);
        Assert.Equal("664 0 0", await ModeAsync(ctx.Node, Blacklist));

        await ctx.Node.ExecCheckedAsync($"chmod 0666 {staged} && chown 1000:1000 {Marker}");
        var read = await ReadAsync(ctx, state);
        Assert.Equal("0666 root:root", read["file_modes"].Fields[staged].AsString());
        Assert.Equal("0644 1000:1000", read["file_modes"].Fields[Marker].AsString());

        var mark = await ctx.Node.CommandLogMarkAsync();
        var (plan, repair) = await HostDriverRun.PlanApplyAsync(ctx.Context, config, read);
        Assert.Equal(read.With("file_modes", ours), plan.Planned);
        Assert.False(repair!.Diagnostics.Any(d => d.IsError), HostDriverRun.Errors(repair.Diagnostics));
        Assert.Equal(plan.Planned, repair.NewState);
        Assert.Equal("755 0 0", await ModeAsync(ctx.Node, staged));
        Assert.Equal("644 0 0", await ModeAsync(ctx.Node, Marker));
        Assert.Equal("664 0 0", await ModeAsync(ctx.Node, Blacklist));
        var log = await ctx.Node.ReadCommandLogAsync(mark);
        Assert.Single(log, e => e.Kind == CommandLogKind.Exec && e.Text.Contains($"bash -s -- 644 {Marker} 755 {staged}", StringComparison.Ordinal));
        Assert.DoesNotContain(log, e => e.Kind is CommandLogKind.ShimMutate or CommandLogKind.Sftp or CommandLogKind.Boot);

        var after = await ReadAsync(ctx, repair.NewState!);
        Assert.Equal(repair.NewState, after);
        Assert.Equal(after, (await HostDriverRun.PlanAsync(ctx.Context, config, after)).Planned);
    }
}
