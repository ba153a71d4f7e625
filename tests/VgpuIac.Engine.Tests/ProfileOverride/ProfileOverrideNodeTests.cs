using VgpuIac.Engine.ProfileOverride;
using VgpuIac.Engine.Tests.Licensing;
using VgpuIac.Engine.Tests.Parsing;
using VgpuIac.Engine.Tests.Support;
using VgpuIac.Engine.Values;
using VgpuIac.NodeSim;
using static VgpuIac.Engine.Tests.ProfileOverride.OverrideConfig;

namespace VgpuIac.Engine.Tests.ProfileOverride;

/// <summary><c>vgpu_profile_override</c> against the simulated node over real SSH.</summary>
public sealed class ProfileOverrideNodeTests
{
    private const string FilePath = ProfileOverrideDefinition.FilePath;
    private const string WriteMarker = "vgpuiac-write";
    private static readonly string Hostile = "$(touch /tmp/pwned) `touch /tmp/pwned2` \"quoted\" 'single'\nnext line";

    private static string Sample(string name) => File.ReadAllText(Path.Combine(RealOutputs.Directory, "profile-override", name));

    private static async Task<string?> FileOnNodeAsync(SimulatedNode node)
    {
        var r = await node.ExecAsync($"cat {FilePath} 2>/dev/null || echo '<missing>'");
        var text = r.StandardOutput;
        return text == "<missing>\n" ? null : text;
    }

    private static async Task PutFileAsync(SimulatedNode node, string text)
    {
        var r = await node.ExecAsync($"mkdir -p /etc/vgpu_unlock && cat > {FilePath}", standardInput: text);
        Assert.Equal(0, r.ExitCode);
    }

    private static async Task AssertNothingChangedSinceAsync(SimulatedNode node, int mark)
    {
        var log = await node.ReadCommandLogAsync(mark);
        Assert.DoesNotContain(log, e => e.Kind == CommandLogKind.ShimMutate);
        Assert.DoesNotContain(log, e => e.Text.Contains(WriteMarker, StringComparison.Ordinal));
    }

    [NodeFact]
    public async Task Lifecycle_keeps_the_rest_of_the_file_byte_for_byte()
    {
        await using var ctx = await NodeContext.StartAsync();
        await HostDriverSetup.InstallAsync(ctx.Node);
        var driver = new ResourceDriver(new ProfileOverrideResource(), ctx.Context);
        var original = Sample("sirpdboy-nvidia-54-1g.txt");
        await PutFileAsync(ctx.Node, original);

        // create, with the type given by name and a hostile string value
        var config = Of(
            Str("mdev_type_name", "GRID P40-1Q"), Num("num_displays", 1), Num("display_width", 1920), Num("display_height", 1080),
            Num("cuda_enabled", 1), Num("frl_enabled", 0), Str("framebuffer", "896MiB"), Str("framebuffer_reservation", "128MiB"),
            Str("card_name", "P40-1Q"), Str("license_type", Hostile));
        var (state, _) = await driver.ApplyAsync(config, null);
        Assert.NotNull(state);
        Assert.Equal(Value.String("nvidia-46"), state!["mdev_type"]);
        Assert.Equal(Value.String("pve1/profile.nvidia-46"), state["id"]);
        Assert.Equal(Value.Number(2073600), state["max_pixels"]);
        Assert.Equal(Value.String("896MiB"), state["framebuffer"]);
        Assert.Equal(Value.Number(939524096), state["framebuffer_bytes"]);
        Assert.Equal(Value.String(Hostile), state["license_type"]);
        Assert.Equal(Value.List(), state["restart_required_vms"]);
        var created = await FileOnNodeAsync(ctx.Node);
        Assert.NotNull(created);
        Assert.StartsWith(original, created, StringComparison.Ordinal);
        Assert.Contains("\n[profile.nvidia-46]\nnum_displays = 1\ndisplay_width = 1920\ndisplay_height = 1080\nmax_pixels = 2073600\n", created, StringComparison.Ordinal);
        Assert.Contains("framebuffer = 0x38000000\nframebuffer_reservation = 0x8000000\n", created, StringComparison.Ordinal);
        Assert.Equal("none", (await ctx.Node.ExecAsync("if [ -e /tmp/pwned ] || [ -e /tmp/pwned2 ]; then echo found; else echo none; fi")).StandardOutput.Trim());

        // second plan: no change; applying again runs no mutating command and writes nothing
        var again = await driver.PlanAsync(config, state);
        Assert.Equal(state, again.Planned);
        var mark = await ctx.Node.CommandLogMarkAsync();
        var (same, _) = await driver.ApplyAsync(config, state);
        Assert.Equal(state, same);
        await AssertNothingChangedSinceAsync(ctx.Node, mark);

        // in-place update
        var updated = config.With("num_displays", Value.Number(2));
        var plan = await driver.PlanAsync(updated, state);
        Assert.Empty(plan.RequiresReplace);
        (state, _) = await driver.ApplyAsync(updated, state);
        Assert.Equal(Value.Number(2), state!["num_displays"]);
        var afterUpdate = await FileOnNodeAsync(ctx.Node);
        Assert.StartsWith(original, afterUpdate, StringComparison.Ordinal);
        Assert.Contains("\nnum_displays = 2\n", afterUpdate, StringComparison.Ordinal);

        // drift: a hand edit of our section shows on read, and apply repairs it
        await ctx.Node.ExecCheckedAsync($"sed -i '/^\\[profile.nvidia-46\\]/,$ s/^display_width = 1920$/display_width = 1280/' {FilePath} && printf 'frl_enable = 1\\n' >> {FilePath}");
        var read = await driver.ReadAsync(state);
        Assert.Equal(Value.Number(1280), read.NewState!["display_width"]);
        Assert.Equal(Value.FromStrings(["frl_enable"]), read.NewState["unmanaged_keys"]);
        Assert.NotEqual(state, (await driver.PlanAsync(updated, read.NewState)).Planned);
        (state, _) = await driver.ApplyAsync(updated, read.NewState);
        Assert.Equal(afterUpdate, await FileOnNodeAsync(ctx.Node));
        Assert.Equal(Value.List(), state!["unmanaged_keys"]);

        // import by id
        var imported = await driver.ImportAsync("pve1/profile.nvidia-46");
        Assert.Empty(imported.Diagnostics);
        Assert.Equal(Value.String("nvidia-46"), imported.State!["mdev_type"]);
        Assert.Equal(Value.Number(2), imported.State["num_displays"]);
        Assert.Equal(Value.Number(939524096), imported.State["framebuffer_bytes"]);
        Assert.Equal(Value.String(Hostile), imported.State["license_type"]);
        var missing = await driver.ImportAsync("pve1/vm.999");
        Assert.Contains(missing.Diagnostics, d => d.IsError);

        // delete: only the section goes; the file is what it was before
        var deleted = await driver.DeleteAsync(state);
        Assert.Empty(deleted.Diagnostics);
        Assert.Null(deleted.NewState);
        Assert.Equal(original, await FileOnNodeAsync(ctx.Node));
        Assert.Null((await driver.ReadAsync(state)).NewState);
        Assert.Empty((await driver.DeleteAsync(state)).Diagnostics);
    }

    [NodeFact]
    public async Task An_invalid_file_is_reported_with_line_and_column_and_never_touched()
    {
        await using var ctx = await NodeContext.StartAsync();
        var driver = new ResourceDriver(new ProfileOverrideResource(), ctx.Context);
        const string corrupt = "# hand edited\n[vm.100]\nframebuffer = = 0x38000000\n";
        await PutFileAsync(ctx.Node, corrupt);
        var mark = await ctx.Node.CommandLogMarkAsync();

        var config = Of(Str("mdev_type", "nvidia-46"), Num("num_displays", 1));
        var plan = await driver.PlanAsync(config, null);
        var error = Assert.Single(plan.Diagnostics, d => d.IsError);
        Assert.Contains("line 3, column 15", error.Detail, StringComparison.Ordinal);

        var planned = ProfileOverridePlanner.Plan(driver.Fill(config), null, "pve1", null).Planned!;
        var apply = await new ProfileOverrideResource().ApplyAsync(new Resources.ApplyRequest { Context = ctx.Context, Planned = planned, Config = driver.Fill(config) }, CancellationToken.None);
        Assert.Contains(apply.Diagnostics, d => d.IsError && d.Detail.Contains("line 3, column 15", StringComparison.Ordinal));

        Assert.Equal(corrupt, await FileOnNodeAsync(ctx.Node));
        await AssertNothingChangedSinceAsync(ctx.Node, mark);
    }

    [NodeFact]
    public async Task Parallel_applies_on_one_node_lose_no_section()
    {
        await using var ctx = await NodeContext.StartAsync();
        const string comment = "# kept by everyone\n";
        await PutFileAsync(ctx.Node, comment);
        var resource = new ProfileOverrideResource();
        var vmids = Enumerable.Range(101, 6).ToList();
        var results = await Task.WhenAll(vmids.Select(async vmid =>
        {
            var driver = new ResourceDriver(resource, ctx.Context);
            var (state, _) = await driver.ApplyAsync(Of(Num("vmid", vmid), Num("num_displays", 1), Num("frl_enabled", 0)), null);
            return state;
        }).Append(Task.Run(async () =>
        {
            var (state, _) = await new ResourceDriver(resource, ctx.Context).ApplyAsync(Of(Str("mdev_type", "nvidia-46"), Num("cuda_enabled", 1)), null);
            return state;
        })));

        Assert.All(results, Assert.NotNull);
        var text = await FileOnNodeAsync(ctx.Node);
        Assert.StartsWith(comment, text, StringComparison.Ordinal);
        var document = ProfileOverrideDocument.Parse(text!, out var error);
        Assert.True(document is not null, error?.ToString());
        Assert.Equal(7, document!.Sections.Length);
        foreach (var vmid in vmids)
        {
            Assert.Equal("num_displays,frl_enabled", string.Join(',', document.Find(OverrideSection.ForVm(vmid)).Entries.Select(e => e.Key)));
        }
    }

    [NodeFact]
    public async Task Running_vms_using_the_target_are_listed_for_restart()
    {
        await using var ctx = await NodeContext.StartAsync();
        await HostDriverSetup.InstallAsync(ctx.Node);
        await ctx.Node.ExecCheckedAsync("qm create 104 --name dsm --hostpci0 0000:01:00.0,mdev=nvidia-46 && qm create 105 --name idle --hostpci0 0000:01:00.0,mdev=nvidia-46 && qm start 104");
        var driver = new ResourceDriver(new ProfileOverrideResource(), ctx.Context);

        var (byType, _) = await driver.ApplyAsync(Of(Str("mdev_type", "nvidia-46"), Num("num_displays", 1)), null);
        var (byVm, _) = await driver.ApplyAsync(Of(Num("vmid", 104), Num("frl_enabled", 0)), null);
        var (byMdev, _) = await driver.ApplyAsync(Of(Str("mdev_uuid", "00000000-0000-0000-0000-000000000104"), Num("cuda_enabled", 1)), null);
        var (otherVm, _) = await driver.ApplyAsync(Of(Num("vmid", 105), Num("frl_enabled", 0)), null);

        Assert.Equal(Value.List(Value.Number(104)), byType!["restart_required_vms"]);
        Assert.Equal(Value.List(Value.Number(104)), byVm!["restart_required_vms"]);
        Assert.Equal(Value.List(Value.Number(104)), byMdev!["restart_required_vms"]);
        Assert.Equal(Value.String("pve1/mdev.00000000-0000-0000-0000-000000000104"), byMdev["id"]);
        Assert.Equal(Value.List(), otherVm!["restart_required_vms"]);

        // a refresh finds the same VMs with the file, in one SSH command; a VM stopped since drops out
        var mark = await ctx.Node.CommandLogMarkAsync();
        var read = await driver.ReadAsync(byType);
        Assert.Equal(byType, read.NewState);
        Assert.Equal(1, (await ctx.Node.ReadCommandLogAsync(mark)).Count(e => e.Kind == CommandLogKind.Exec));
        await ctx.Node.ExecCheckedAsync("qm stop 104");
        Assert.Equal(Value.List(), (await driver.ReadAsync(byVm!)).NewState!["restart_required_vms"]);
    }

    [NodeFact]
    public async Task A_refresh_is_one_ssh_command_and_asks_qm_nothing_when_no_vm_has_an_mdev()
    {
        await using var ctx = await NodeContext.StartAsync();
        await HostDriverSetup.InstallAsync(ctx.Node);
        await ctx.Node.ExecCheckedAsync("qm create 106 --name plain && qm start 106");
        var driver = new ResourceDriver(new ProfileOverrideResource(), ctx.Context);
        var config = Of(Str("mdev_type", "nvidia-46"), Num("num_displays", 1));
        var (state, _) = await driver.ApplyAsync(config, null);
        Assert.NotNull(state);

        // refresh and plan, as one terraform plan does: one SSH command, no qm process (a VM without an mdev cannot need a restart)
        var mark = await ctx.Node.CommandLogMarkAsync();
        var read = await driver.ReadAsync(state!);
        Assert.Equal(state, read.NewState);
        Assert.Equal(state, (await driver.PlanAsync(config, read.NewState)).Planned);
        var log = await ctx.Node.ReadCommandLogAsync(mark);
        Assert.Equal(1, log.Count(e => e.Kind == CommandLogKind.Exec));
        Assert.DoesNotContain(log, e => e.Kind.StartsWith("shim-", StringComparison.Ordinal) && e.Text.StartsWith("qm", StringComparison.Ordinal));

        // once a VM config names an mdev, the same refresh asks qm (and still in one SSH command)
        await ctx.Node.ExecCheckedAsync("qm create 107 --name gpu --hostpci0 0000:01:00.0,mdev=nvidia-46");
        mark = await ctx.Node.CommandLogMarkAsync();
        Assert.Equal(state, (await driver.ReadAsync(state!)).NewState);
        log = await ctx.Node.ReadCommandLogAsync(mark);
        Assert.Equal(1, log.Count(e => e.Kind == CommandLogKind.Exec));
        Assert.Contains(log, e => e.Kind.StartsWith("shim-", StringComparison.Ordinal) && e.Text.StartsWith("qm list", StringComparison.Ordinal));
    }

    [NodeFact]
    public async Task A_create_over_a_hand_written_section_takes_it_over_visibly_and_destroy_puts_it_back()
    {
        await using var ctx = await NodeContext.StartAsync();
        var driver = new ResourceDriver(new ProfileOverrideResource(), ctx.Context);
        const string HandWritten = "# from the tutorial\n[profile.nvidia-46]\nnum_displays = 1\ndisplay_width = 1920\ndisplay_height = 1080\nmax_pixels = 2073600\ncuda_enabled = 1\nfrl_enabled = 0\n\n[vm.104]\nframebuffer = 0x38000000 # mine\n";
        await PutFileAsync(ctx.Node, HandWritten);

        // the plan says the section exists and which keys change or vanish
        var config = Of(Str("mdev_type", "nvidia-46"), Num("num_displays", 2), Num("display_width", 1920), Num("display_height", 1080));
        var plan = await driver.PlanAsync(config, null);
        var warning = Assert.Single(plan.Diagnostics);
        Assert.False(warning.IsError);
        Assert.Contains("already has [profile.nvidia-46] (line 2)", warning.Detail, StringComparison.Ordinal);
        Assert.Contains("changes num_displays 1 -> 2", warning.Detail, StringComparison.Ordinal);
        Assert.Contains("REMOVES cuda_enabled = 1, frl_enabled = 0", warning.Detail, StringComparison.Ordinal);
        Assert.True(plan.Planned!["adopted_section"].IsUnknown);

        // apply takes it over and records the section as it was; the rest of the file is untouched
        var (state, _) = await driver.ApplyAsync(config, null);
        Assert.Equal(Value.String("[profile.nvidia-46]\nnum_displays = 1\ndisplay_width = 1920\ndisplay_height = 1080\nmax_pixels = 2073600\ncuda_enabled = 1\nfrl_enabled = 0\n"), state!["adopted_section"]);
        var taken = await FileOnNodeAsync(ctx.Node);
        Assert.EndsWith("\n[vm.104]\nframebuffer = 0x38000000 # mine\n", taken, StringComparison.Ordinal);
        Assert.StartsWith("# from the tutorial\n[profile.nvidia-46]\nnum_displays = 2\n", taken, StringComparison.Ordinal);
        Assert.DoesNotContain("cuda_enabled", taken, StringComparison.Ordinal);
        var reads = await ctx.Node.CommandLogMarkAsync();
        Assert.Equal(state, (await driver.PlanAsync(config, (await driver.ReadAsync(state)).NewState)).Planned);
        // one SSH command for the refresh (the file and the VMs to restart) and none for its plan: it reuses the read's file
        Assert.Equal(1, (await ctx.Node.ReadCommandLogAsync(reads)).Count(e => e.Kind == CommandLogKind.Exec));

        // destroy plans a warning and puts the user's section back byte for byte
        var destroyPlan = await new ProfileOverrideResource().PlanAsync(new() { Context = ctx.Context, Prior = state, Config = state, ProposedNewState = null }, CancellationToken.None);
        Assert.Contains(destroyPlan.Diagnostics, d => !d.IsError && d.Summary.Contains("back as it was", StringComparison.Ordinal));
        Assert.Empty((await driver.DeleteAsync(state)).Diagnostics);
        Assert.Equal(HandWritten, await FileOnNodeAsync(ctx.Node));

        // an import brings the section under management as it is (every key an attribute): destroy then removes it
        var imported = await driver.ImportAsync("pve1/profile.nvidia-46");
        Assert.True(imported.State!["adopted_section"].IsNull);
        Assert.Equal(Value.Number(1), imported.State["cuda_enabled"]);
        var (updated, _) = await driver.ApplyAsync(config.With("cuda_enabled", Value.Number(1)).With("frl_enabled", Value.Number(0)), imported.State);
        Assert.Contains("num_displays = 2", await FileOnNodeAsync(ctx.Node), StringComparison.Ordinal);
        Assert.Empty((await driver.DeleteAsync(updated!)).Diagnostics);
        Assert.Equal("# from the tutorial\n\n[vm.104]\nframebuffer = 0x38000000 # mine\n", await FileOnNodeAsync(ctx.Node));
    }
}
