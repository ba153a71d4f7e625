using System.Security.Cryptography;
using VgpuIac.Engine.Remote;
using VgpuIac.Engine.Tests.Licensing;
using VgpuIac.Engine.Tests.Support;
using VgpuIac.Engine.Unlock;
using VgpuIac.Engine.Values;
using VgpuIac.NodeSim;

namespace VgpuIac.Engine.Tests.Unlock;

/// <summary>
/// The files <c>vgpu_unlock</c> places (library, config.toml, drop-ins) are root:root with VgpuIac's mode; a library made
/// world-writable or a drop-in handed to another user on the node shows in the plan (<c>file_modes</c>), the apply repairs
/// it without rewriting or restarting anything, and the next plan is empty. Simulated node over real SSH.
/// </summary>
public sealed class UnlockFileModeTests
{
    private const string Lib = UnlockDefinition.DefaultLibraryPath;
    private const string MgrDropIn = "/etc/systemd/system/nvidia-vgpu-mgr.service.d/vgpu_unlock.conf";

    private static NodeOptions ConsumerGpu => new() { Gpus = [new GpuDevice("0000:01:00.0", "gtx-1080")] };

    private static Value Config(string library) =>
        Value.Object(UnlockDefinition.Definition.Attributes.Select(a => new KeyValuePair<string, Value>(a.Name, a.Name == UnlockDefinition.LibrarySource ? Value.String(library) : Value.Null)));

    private static async Task<string> LocalLibraryAsync()
    {
        var path = Path.Combine(Path.GetTempPath(), $"libvgpu_unlock_rs-{Guid.NewGuid():N}.so");
        await File.WriteAllBytesAsync(path, [.. "\u007fELF fake vgpu_unlock-rs "u8.ToArray(), .. RandomNumberGenerator.GetBytes(2048)]);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32("666", 8));
        }

        return path;
    }

    private static async Task<string> ModeAsync(SimulatedNode node, string path) => (await node.ExecCheckedAsync($"stat -c '%a %u %g' {path}")).Trim();

    private static Value Modes(params (string Path, string Mode)[] files) => Value.Map(files.Select(f => KeyValuePair.Create(f.Path, Value.String(f.Mode))));

    [NodeFact]
    public async Task A_world_writable_library_and_a_drop_in_owned_by_a_user_show_in_the_plan_and_the_apply_repairs_them()
    {
        await using var ctx = await NodeContext.StartAsync(ConsumerGpu);
        var driver = new ResourceDriver(new UnlockResource(), ctx.Context);
        var config = Config(await LocalLibraryAsync());

        // created from a local file of mode 0666: the node's files are root:root 0755 / 0644 all the same
        var (state, _) = await driver.ApplyAsync(config, null);
        var ours = Modes((Lib, "0755 root:root"), (UnlockDefinition.ConfigPath, "0644 root:root"), ("/etc/systemd/system/nvidia-vgpud.service.d/vgpu_unlock.conf", "0644 root:root"), (MgrDropIn, "0644 root:root"));
        Assert.Equal(ours, state!["file_modes"]);
        Assert.Equal("755 0 0", await ModeAsync(ctx.Node, Lib));
        Assert.Equal(state, (await driver.PlanAsync(config, state)).Planned);

        // somebody on the node makes the library world-writable and hands a drop-in to uid 1000
        await ctx.Node.ExecCheckedAsync($"chmod 0666 {Lib} && chown 1000:1000 {MgrDropIn}");
        var read = (await driver.ReadAsync(state)).NewState!;
        Assert.Equal("0666 root:root", read["file_modes"].Fields[Lib].AsString());
        Assert.Equal("0644 1000:1000", read["file_modes"].Fields[MgrDropIn].AsString());

        // the plan shows exactly that change: file_modes back to ours, every other value as it is
        var plan = await driver.PlanAsync(config, read);
        Assert.DoesNotContain(plan.Diagnostics, d => d.IsError);
        Assert.Equal(ours, plan.Planned!["file_modes"]);
        Assert.Equal(read.With("file_modes", ours), plan.Planned);

        // the apply sets owner and mode back in one command: nothing rewritten, uploaded or restarted
        var mark = await ctx.Node.CommandLogMarkAsync();
        var (repaired, _) = await driver.ApplyAsync(config, read);
        Assert.Equal(plan.Planned, repaired);
        Assert.Equal("755 0 0", await ModeAsync(ctx.Node, Lib));
        Assert.Equal("644 0 0", await ModeAsync(ctx.Node, MgrDropIn));
        var log = await ctx.Node.ReadCommandLogAsync(mark);
        Assert.Single(log, e => e.Kind == CommandLogKind.Exec && e.Text.EndsWith($"bash -s -- 755 {Lib} 644 {MgrDropIn}", StringComparison.Ordinal));
        Assert.DoesNotContain(log, e => e.Kind is CommandLogKind.Sftp or CommandLogKind.ShimMutate || e.Text.Contains("vgpuiac-write", StringComparison.Ordinal));

        // the next refresh and plan: nothing to do
        var after = (await driver.ReadAsync(repaired!)).NewState!;
        Assert.Equal(repaired, after);
        Assert.Equal(after, (await driver.PlanAsync(config, after)).Planned);
    }

    [NodeFact]
    public async Task An_imported_hand_made_install_shows_its_modes_and_only_a_planned_apply_repairs_them()
    {
        await using var ctx = await NodeContext.StartAsync(ConsumerGpu);
        var library = await LocalLibraryAsync();
        var sha = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(library)));

        // the tutorial's way, by a user who left the library group-writable and the drop-in with their own uid
        await ctx.Node.ExecCheckedAsync($"mkdir -p {Path.GetDirectoryName(Lib)} /etc/vgpu_unlock {Path.GetDirectoryName(MgrDropIn)}");
        await ctx.Node.ExecAsync($"base64 -d > {Lib}", standardInput: Convert.ToBase64String(await File.ReadAllBytesAsync(library)));
        await ctx.Node.ExecCheckedAsync($"chmod 0775 {Lib} && printf '[Service]\\nEnvironment=LD_PRELOAD={Lib}\\n' > {MgrDropIn} && chown 1000:0 {MgrDropIn}");

        var driver = new ResourceDriver(new UnlockResource(), ctx.Context);
        var imported = await driver.ImportAsync("pve1");
        Assert.DoesNotContain(imported.Diagnostics, d => d.IsError);
        Assert.Equal(Modes((Lib, "0775 root:root"), (MgrDropIn, "0644 1000:root")), imported.State!["file_modes"]);

        // the import changed nothing on the node; the plan names the repair
        Assert.Equal("775 0 0", await ModeAsync(ctx.Node, Lib));
        var config = Config(library).With(UnlockDefinition.LibrarySha256, Value.String(sha));
        var plan = await driver.PlanAsync(config, imported.State);
        Assert.True(plan.Planned!["file_modes"].IsUnknown || plan.Planned["file_modes"].Fields[Lib].AsString() == "0755 root:root");
        Assert.NotEqual(imported.State, plan.Planned);

        var (state, _) = await driver.ApplyAsync(config, imported.State);
        Assert.Equal("755 0 0", await ModeAsync(ctx.Node, Lib));
        Assert.Equal("644 0 0", await ModeAsync(ctx.Node, MgrDropIn));
        Assert.Equal(state, (await driver.PlanAsync(config, (await driver.ReadAsync(state!)).NewState)).Planned);
    }

    [Theory]
    [InlineData("755 0 0", 0x1ED, 0, 0, "0755 root:root")]
    [InlineData("666 1000 1000", 0x1B6, 1000, 1000, "0666 1000:1000")]
    [InlineData("4755 0 0", 0x9ED, 0, 0, "04755 root:root")]
    [InlineData("600 0 33", 0x180, 0, 33, "0600 root:33")]
    public void A_stat_line_reads_as_mode_and_owner(string text, int mode, int uid, int gid, string shown)
    {
        var parsed = NodeFileMode.Parse(text);
        Assert.Equal(new NodeFileMode(mode, uid, gid), parsed);
        Assert.Equal(shown, parsed!.Describe());
    }

    [Theory]
    [InlineData(0x1A4, 0, 0, 0x1ED, true)]   // a hand-made library of 0644: nobody but root can change it
    [InlineData(0x1ED, 0, 0, 0x1ED, true)]
    [InlineData(0x1B6, 0, 0, 0x1ED, false)]  // 0666
    [InlineData(0x1FD, 0, 0, 0x1ED, false)]  // 0775
    [InlineData(0x9ED, 0, 0, 0x1ED, false)]  // 04755
    [InlineData(0x1A4, 1000, 0, 0x1A4, false)]
    [InlineData(0x1A4, 0, 1000, 0x1A4, false)]
    public void A_file_fits_our_mode_when_it_is_roots_and_grants_nothing_more(int mode, int uid, int gid, int ours, bool fits) =>
        Assert.Equal(fits, new NodeFileMode(mode, uid, gid).Fits(ours));

    [Theory]
    [InlineData("")]
    [InlineData("755 0")]
    [InlineData("789 0 0")]
    [InlineData("755 root root")]
    [InlineData("75555 0 0")]
    [InlineData("755 -1 0")]
    public void Anything_else_is_no_mode(string text) => Assert.Null(NodeFileMode.Parse(text));
}
