using System.Net;
using System.Security.Cryptography;
using VgpuIac.Engine.Tests.Licensing;
using VgpuIac.Engine.Tests.Support;
using VgpuIac.Engine.Unlock;
using VgpuIac.Engine.Values;
using VgpuIac.NodeSim;

namespace VgpuIac.Engine.Tests.Unlock;

/// <summary><c>vgpu_unlock</c> against the simulated node over real SSH.</summary>
public sealed class UnlockNodeTests
{
    private const string Lib = UnlockDefinition.DefaultLibraryPath;
    private const string MgrDropIn = "/etc/systemd/system/nvidia-vgpu-mgr.service.d/vgpu_unlock.conf";
    private const string VgpudDropIn = "/etc/systemd/system/nvidia-vgpud.service.d/vgpu_unlock.conf";

    private static NodeOptions ConsumerGpu => new() { Gpus = [new GpuDevice("0000:01:00.0", "gtx-1080")] };

    private static Value Config(params (string Name, Value Value)[] set) =>
        Value.Object(UnlockDefinition.Definition.Attributes.Select(a => new KeyValuePair<string, Value>(a.Name, set.FirstOrDefault(s => s.Name == a.Name).Value ?? Value.Null)));

    /// <summary>The tutorial's driver steps (blacklist nouveau, reboot, installer, reboot) without expecting vGPU types.</summary>
    private static async Task InstallDriverAsync(SimulatedNode node)
    {
        await node.ExecCheckedAsync("printf 'blacklist nouveau\\noptions nouveau modeset=0\\n' > /etc/modprobe.d/blacklist-nouveau.conf && update-initramfs -u >/dev/null");
        await node.RebootAsync();
        var r = await node.ExecAsync("cat > /root/installer.run && sh /root/installer.run $(command -v dkms >/dev/null && echo --dkms) -s", standardInput: FakeInstaller.Content(HostDriverSetup.Version));
        Assert.True(r.ExitCode == 0, r.StandardOutput + r.StandardError);
        await node.RebootAsync();
    }

    private static async Task<string> LocalLibraryAsync()
    {
        var path = Path.Combine(Path.GetTempPath(), $"libvgpu_unlock_rs-{Guid.NewGuid():N}.so");
        await File.WriteAllBytesAsync(path, [.. "\u007fELF fake vgpu_unlock-rs "u8.ToArray(), .. RandomNumberGenerator.GetBytes(4096)]);
        return path;
    }

    private static async Task<bool> ExistsAsync(SimulatedNode node, string path) =>
        (await node.ExecAsync($"test -e '{path}' && echo yes || echo no")).StandardOutput.Trim() == "yes";

    private static async Task AssertNothingChangedSinceAsync(SimulatedNode node, int mark)
    {
        var log = await node.ReadCommandLogAsync(mark);
        Assert.DoesNotContain(log, e => e.Kind == CommandLogKind.ShimMutate);
        Assert.DoesNotContain(log, e => e.Text.Contains("vgpuiac-write", StringComparison.Ordinal) || e.Text.Contains("vgpuiac-download", StringComparison.Ordinal));
    }

    [NodeFact]
    public async Task Lifecycle_on_a_consumer_gpu_unlocks_its_vgpu_types()
    {
        await using var ctx = await NodeContext.StartAsync(ConsumerGpu);
        await InstallDriverAsync(ctx.Node);
        Assert.DoesNotContain("GRID P40-1Q", await ctx.Node.ExecCheckedAsync("mdevctl types"), StringComparison.Ordinal);
        var library = await LocalLibraryAsync();
        var sha = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(library)));
        var driver = new ResourceDriver(new UnlockResource(), ctx.Context);
        var config = Config(("library_source", Value.String(library)));

        // create
        var (state, diagnostics) = await driver.ApplyAsync(config, null);
        Assert.DoesNotContain(diagnostics, d => d.IsError);
        Assert.Equal(Value.String(sha), state!["installed_library_sha256"]);
        Assert.Equal(Value.String(sha), state["library_sha256"]);
        Assert.Equal(Value.FromStrings(UnlockDefinition.Units), state["units"]);
        Assert.Equal(Value.True, state["effective"]);
        Assert.Equal(Value.True, state["unlock"]);
        Assert.Equal(Value.String("pve1"), state["id"]);
        var created = state["created_paths"].Items.Select(i => i.AsString()).ToList();
        Assert.Contains(Lib, created);
        Assert.Contains("/opt/vgpu_unlock-rs", created);
        Assert.Contains(UnlockDefinition.ConfigPath, created);
        Assert.Contains(MgrDropIn, created);
        Assert.Contains("GRID P40-1Q", await ctx.Node.ExecCheckedAsync("mdevctl types"), StringComparison.Ordinal);
        Assert.Equal("[Service]", (await ctx.Node.ExecCheckedAsync($"sed -n 2p {MgrDropIn}")).Trim());
        Assert.Contains($"LD_PRELOAD={Lib}", await ctx.Node.ExecCheckedAsync("systemctl show -p Environment nvidia-vgpu-mgr.service"), StringComparison.Ordinal);

        // second plan: nothing to do; applying again changes nothing on the node
        Assert.Equal(state, (await driver.PlanAsync(config, state)).Planned);
        var mark = await ctx.Node.CommandLogMarkAsync();
        var (same, _) = await driver.ApplyAsync(config, state);
        Assert.Equal(state, same);
        await AssertNothingChangedSinceAsync(ctx.Node, mark);

        // in-place update of config.toml
        var migrating = Config(("library_source", Value.String(library)), ("unlock_migration", Value.True));
        Assert.Empty((await driver.PlanAsync(migrating, state)).RequiresReplace);
        (state, _) = await driver.ApplyAsync(migrating, state);
        Assert.Equal(Value.True, state!["unlock_migration"]);
        Assert.Contains("unlock_migration = true", await ctx.Node.ExecCheckedAsync($"cat {UnlockDefinition.ConfigPath}"), StringComparison.Ordinal);

        // drift: drop-in removed (and reloaded), library replaced by hand
        await ctx.Node.ExecCheckedAsync($"rm {MgrDropIn} && systemctl daemon-reload && echo tampered >> {Lib}");
        var read = (await driver.ReadAsync(state)).NewState!;
        Assert.Equal(Value.FromStrings(["nvidia-vgpud.service"]), read["units"]);
        Assert.Equal(Value.False, read["effective"]);
        Assert.NotEqual(Value.String(sha), read["installed_library_sha256"]);
        Assert.NotEqual(read, (await driver.PlanAsync(migrating, read)).Planned);
        (state, _) = await driver.ApplyAsync(migrating, read);
        Assert.Equal(Value.FromStrings(UnlockDefinition.Units), state!["units"]);
        Assert.Equal(Value.True, state["effective"]);
        Assert.Equal(Value.String(sha), state["installed_library_sha256"]);
        Assert.Equal(state, (await driver.ReadAsync(state)).NewState);

        // import by node name
        var imported = await driver.ImportAsync("pve1");
        Assert.DoesNotContain(imported.Diagnostics, d => d.IsError);
        Assert.Equal(Value.String(sha), imported.State!["installed_library_sha256"]);
        Assert.Equal(Value.True, imported.State["effective"]);

        // delete removes what it created, reloads and restarts
        var deleted = await driver.DeleteAsync(state);
        Assert.DoesNotContain(deleted.Diagnostics, d => d.IsError);
        Assert.Null(deleted.NewState);
        foreach (var path in new[] { Lib, "/opt/vgpu_unlock-rs", MgrDropIn, VgpudDropIn, UnlockDefinition.ConfigPath })
        {
            Assert.False(await ExistsAsync(ctx.Node, path), path + " still exists");
        }

        Assert.DoesNotContain("LD_PRELOAD", await ctx.Node.ExecCheckedAsync("systemctl show -p Environment nvidia-vgpu-mgr.service"), StringComparison.Ordinal);
        Assert.Null((await driver.ReadAsync(state)).NewState);
        Assert.Contains((await driver.ImportAsync("pve1")).Diagnostics, d => d.IsError);
        File.Delete(library);
    }

    [NodeFact]
    public async Task Download_is_verified_and_hostile_urls_are_never_run()
    {
        await using var ctx = await NodeContext.StartAsync(ConsumerGpu);
        var bytes = RandomNumberGenerator.GetBytes(2048);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        await using var files = new FileServer(bytes);
        var driver = new ResourceDriver(new UnlockResource(), ctx.Context);
        var url = files.Url("libvgpu_unlock_rs.so");

        var (_, wrongSum) = await driver.ApplyAsync(Config(("library_url", Value.String(url)), ("library_sha256", Value.String(new string('a', 64)))), null, expectErrors: true);
        Assert.Contains(wrongSum, d => d.IsError && d.Detail.Contains("SHA-256", StringComparison.Ordinal));
        Assert.False(await ExistsAsync(ctx.Node, Lib));
        Assert.False(await ExistsAsync(ctx.Node, "/opt/vgpu_unlock-rs"), "the failed first apply left its empty folders behind");

        var hostile = "http://127.0.0.1:1/$(touch${IFS}/tmp/pwned)`touch${IFS}/tmp/pwned2`";
        var (_, failed) = await driver.ApplyAsync(Config(("library_url", Value.String(hostile)), ("library_sha256", Value.String(sha))), null, expectErrors: true);
        Assert.Contains(failed, d => d.IsError);
        Assert.False(await ExistsAsync(ctx.Node, "/tmp/pwned"));
        Assert.False(await ExistsAsync(ctx.Node, "/tmp/pwned2"));

        var (state, _) = await driver.ApplyAsync(Config(("library_url", Value.String(url)), ("library_sha256", Value.String(sha.ToUpperInvariant()))), null);
        Assert.Equal(Value.String(sha), state!["installed_library_sha256"]);
        Assert.Equal(sha + "  " + Lib, (await ctx.Node.ExecCheckedAsync($"sha256sum {Lib}")).Trim());
        Assert.Equal(Value.False, state["effective"]);
        Assert.True(await ExistsAsync(ctx.Node, VgpudDropIn));

        Assert.Equal(2, files.Requests); // the rejected download and the verified one
    }

    [NodeFact]
    public async Task An_ampere_geforce_is_refused_before_anything_changes()
    {
        const string rtx3090 = "BDF='0000:01:00.0'\nMODEL='rtx-3090'\nVENDOR=10de\nDEVICE=2204\nSUBSYS_VENDOR=10de\nSUBSYS_DEVICE=147d\nCLASS=0x030000\nNAME=\"NVIDIA GeForce RTX 3090\"\nARCH=ampere\nVGPU=none\nFB_MIB=24576\n";
        var options = new NodeOptions
        {
            Gpus = [],
            Preseed = new Dictionary<string, PreseedFile> { ["/etc/nodesim/gpus/0000:01:00.0.env"] = PreseedFile.Text(rtx3090) },
        };
        await using var ctx = await NodeContext.StartAsync(options);
        var library = await LocalLibraryAsync();
        var driver = new ResourceDriver(new UnlockResource(), ctx.Context);
        var mark = await ctx.Node.CommandLogMarkAsync();

        var plan = await driver.PlanAsync(Config(("library_source", Value.String(library))), null);

        var error = Assert.Single(plan.Diagnostics, d => d.IsError);
        Assert.Equal("Unable to unlock vGPU", error.Summary);
        Assert.Contains("GeForce RTX 3090", error.Detail, StringComparison.Ordinal);
        Assert.Contains("0000:01:00.0", error.Detail, StringComparison.Ordinal);
        Assert.Contains("vGPU-capable card", error.Detail, StringComparison.Ordinal);
        await AssertNothingChangedSinceAsync(ctx.Node, mark);
        Assert.False(await ExistsAsync(ctx.Node, Lib));
        File.Delete(library);
    }

    /// <summary>The tutorial's step 3 by hand: library, two drop-ins written differently, config.toml with only <c>unlock</c>.</summary>
    private static async Task SetUpByHandAsync(SimulatedNode node, string library)
    {
        var r = await node.ExecAsync(
            $"mkdir -p {Path.GetDirectoryName(Lib)} && base64 -d > {Lib}",
            standardInput: Convert.ToBase64String(await File.ReadAllBytesAsync(library)));
        Assert.True(r.ExitCode == 0, r.StandardError);
        await node.ExecCheckedAsync(
            "mkdir -p /etc/systemd/system/nvidia-vgpud.service.d /etc/systemd/system/nvidia-vgpu-mgr.service.d /etc/vgpu_unlock && " +
            $"printf '[Service]\\nEnvironment=LD_PRELOAD={Lib}\\n' > {VgpudDropIn} && " +
            $"printf '# vgpu_unlock, as the tutorial says\\n\\n[Service]\\nEnvironment = \"LD_PRELOAD={Lib}\"\\n' > {MgrDropIn} && " +
            "printf 'unlock = true\\n' > /etc/vgpu_unlock/config.toml && touch /etc/vgpu_unlock/profile_override.toml && " +
            "systemctl daemon-reload && systemctl restart nvidia-vgpud nvidia-vgpu-mgr");
    }

    [NodeFact]
    public async Task A_hand_made_setup_is_left_alone_and_a_restart_under_running_vgpu_vms_needs_the_users_consent()
    {
        await using var ctx = await NodeContext.StartAsync(ConsumerGpu);
        await InstallDriverAsync(ctx.Node);
        var library = await LocalLibraryAsync();
        await SetUpByHandAsync(ctx.Node, library);
        await ctx.Node.ExecCheckedAsync("qm create 104 --name ubuntu --hostpci0 01:00.0,mdev=nvidia-46 && qm start 104");
        string[] files = [Lib, VgpudDropIn, MgrDropIn, "/etc/vgpu_unlock/config.toml"];
        var before = await ctx.Node.ExecCheckedAsync("sha256sum " + string.Join(' ', files));
        var driver = new ResourceDriver(new UnlockResource(), ctx.Context);
        var config = Config(("library_source", Value.String(library)));

        // import, plan, apply: nothing written, nothing reloaded or restarted, every file the same
        var mark = await ctx.Node.CommandLogMarkAsync();
        var imported = await driver.ImportAsync("pve1");
        Assert.Empty(imported.Diagnostics);
        Assert.Equal(Value.FromStrings(UnlockDefinition.Units), imported.State!["units"]);
        Assert.Equal(Value.False, imported.State["unlock_migration"]);
        var plan = await driver.PlanAsync(config, imported.State);
        Assert.DoesNotContain(plan.Diagnostics, d => d.Summary.Contains("restart", StringComparison.OrdinalIgnoreCase));
        var (state, _) = await driver.ApplyAsync(config, imported.State);
        Assert.NotNull(state);
        await AssertNothingChangedSinceAsync(ctx.Node, mark);
        Assert.Equal(before, await ctx.Node.ExecCheckedAsync("sha256sum " + string.Join(' ', files)));

        // a refresh followed by its plan (one terraform plan) probes the node once: the plan reuses the read's probe
        var probes = await ctx.Node.CommandLogMarkAsync();
        var read = await driver.ReadAsync(state!);
        await driver.PlanAsync(config, read.NewState);
        var refresh = await ctx.Node.ReadCommandLogAsync(probes);
        Assert.Equal(1, refresh.Count(e => e.Kind == CommandLogKind.Exec && e.Text.TrimEnd().EndsWith("bash -s -- " + Lib, StringComparison.Ordinal))); // UnlockProbe's only argument
        // ... in one SSH command, which asks systemd about both services at once
        Assert.Equal(1, refresh.Count(e => e.Kind == CommandLogKind.Exec));
        Assert.Equal(["systemctl show -p Id -p LoadState -p Environment nvidia-vgpud.service nvidia-vgpu-mgr.service"], refresh.Where(e => e.Kind.StartsWith("shim-", StringComparison.Ordinal) && e.Text.StartsWith("systemctl", StringComparison.Ordinal)).Select(e => e.Text));

        // a change that restarts nvidia-vgpu-mgr under VM 104 is refused at plan and nothing changes
        var migration = config.With("unlock_migration", Value.True);
        var refused = await driver.PlanAsync(migration, state);
        var error = Assert.Single(refused.Diagnostics, d => d.IsError);
        Assert.Contains("104 (ubuntu)", error.Detail, StringComparison.Ordinal);
        Assert.Contains("restart_with_running_vms", error.Detail, StringComparison.Ordinal);
        Assert.Null(refused.Planned);
        await AssertNothingChangedSinceAsync(ctx.Node, mark);

        // with the user's consent the plan warns (naming the VM, the reason, what stops) and apply restarts
        var (changed, diagnostics) = await driver.ApplyAsync(migration.With("restart_with_running_vms", Value.True), state);
        var warning = Assert.Single(diagnostics, d => d.Summary == "The NVIDIA vGPU services will be restarted");
        Assert.Contains("unlock_migration false -> true", warning.Detail, StringComparison.Ordinal);
        Assert.Contains("104 (ubuntu)", warning.Detail, StringComparison.Ordinal);
        Assert.Equal(Value.True, changed!["unlock_migration"]);
        Assert.Equal("unlock = true\nunlock_migration = true\n", await ctx.Node.ExecCheckedAsync("cat /etc/vgpu_unlock/config.toml"));
        Assert.Contains((await ctx.Node.ReadCommandLogAsync(mark)).Select(e => e.Text), t => t.StartsWith("systemctl restart", StringComparison.Ordinal));
        File.Delete(library);
    }
}
