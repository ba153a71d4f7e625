using VgpuIac.Engine.Host;
using VgpuIac.Engine.Resources;
using VgpuIac.Engine.Tests.Support;
using VgpuIac.Engine.Values;
using VgpuIac.NodeSim;

namespace VgpuIac.Engine.Tests.HostDriver;

/// <summary>vgpu_host_driver against a simulated node over real SSH.</summary>
public sealed class HostDriverNodeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vgpuiac-hd-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Installer(string version, FakeInstallerOptions? options = null)
    {
        var dir = Path.Combine(_dir, version + "-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(dir);
        return FakeInstaller.Write(dir, version, options);
    }

    private static void Fresh(NodeContext ctx) => NodeFactsCache.Shared.Invalidate(ctx.Shell);

    private static async Task<IReadOnlyList<CommandLogEntry>> LogSinceAsync(NodeContext ctx, int mark) => await ctx.Node.ReadCommandLogAsync(mark);

    [NodeFact]
    public async Task FullChainFromLocalFileThenQuietSecondApplyImportDriftAndDelete()
    {
        await using var ctx = await NodeContext.StartAsync(new NodeOptions { HeaderPackages = [] });
        var installer = Installer("535.129.03");
        var config = HostDriverRun.FromFile(installer);

        var (plan, apply) = await HostDriverRun.PlanApplyAsync(ctx.Context, config, null);

        Assert.True(plan.Planned!["reboot_planned"].AsBool());
        Assert.Contains(plan.Diagnostics, d => !d.IsError && d.Summary.Contains("rebooted", StringComparison.Ordinal));
        Assert.Equal("535.129.03", plan.Planned["installed_version"].AsString());
        Assert.NotNull(apply);
        Assert.False(apply!.Diagnostics.Any(d => d.IsError), HostDriverRun.Errors(apply.Diagnostics));
        var state = apply.NewState!;
        Assert.Equal("535.129.03", state["installed_version"].AsString());
        Assert.Equal("ok", state["health"].AsString());
        Assert.False(state["reboot_required"].AsBool());
        Assert.Equal(FakeInstaller.Sha256(installer), state["installer_sha256"].AsString());
        var log = await ctx.Node.ReadCommandLogAsync();
        var texts = log.Select(e => e.Kind + " " + e.Text).ToList();
        Assert.Contains(texts, t => t.Contains("apt-get install", StringComparison.Ordinal) && t.Contains("proxmox-headers-6.5.13-6-pve", StringComparison.Ordinal));
        Assert.Contains(texts, t => t.Contains("update-initramfs", StringComparison.Ordinal));
        Assert.True(ctx.Node.BootCount >= 3, $"boot count {ctx.Node.BootCount}");
        Assert.Contains("blacklist nouveau", await ctx.Node.ExecCheckedAsync("cat /etc/modprobe.d/blacklist-nouveau.conf"), StringComparison.Ordinal);

        // Second apply: nothing to do, no mutating command.
        Fresh(ctx);
        var read = await HostDriverRun.Resource.ReadAsync(new ReadRequest { Context = ctx.Context, State = state }, CancellationToken.None);
        Assert.NotNull(read.NewState);
        var mark = await ctx.Node.CommandLogMarkAsync();
        var (plan2, apply2) = await HostDriverRun.PlanApplyAsync(ctx.Context, config, read.NewState);
        Assert.False(plan2.Planned!["reboot_planned"].AsBool());
        Assert.Empty(apply2!.Diagnostics);
        var quiet = await LogSinceAsync(ctx, mark);
        Assert.DoesNotContain(quiet, e => e.Kind == CommandLogKind.ShimMutate);
        Assert.DoesNotContain(quiet, e => e.Kind == CommandLogKind.Sftp);

        // Import by node name.
        var imported = await HostDriverRun.Resource.ImportAsync(new ImportRequest { Context = ctx.Context, Id = "pve1" }, CancellationToken.None);
        Assert.Empty(imported.Diagnostics);
        Assert.Equal("535.129.03", imported.State!["version"].AsString());
        Assert.Equal(FakeInstaller.Sha256(installer), imported.State["installer_sha256"].AsString());
        Assert.Equal("pve1", imported.State["id"].AsString());

        // Drift: services down → degraded → apply starts them again.
        await ctx.Node.ExecCheckedAsync("systemctl stop nvidia-vgpu-mgr.service");
        Fresh(ctx);
        read = await HostDriverRun.Resource.ReadAsync(new ReadRequest { Context = ctx.Context, State = state }, CancellationToken.None);
        Assert.StartsWith("degraded", read.NewState!["health"].AsString(), StringComparison.Ordinal);
        var (plan3, apply3) = await HostDriverRun.PlanApplyAsync(ctx.Context, config, read.NewState);
        Assert.True(plan3.Planned!["health"].IsUnknown);
        Assert.False(apply3!.Diagnostics.Any(d => d.IsError), HostDriverRun.Errors(apply3.Diagnostics));
        Assert.Equal("ok", apply3.NewState!["health"].AsString());

        // Delete uninstalls.
        var destroyed = await HostDriverRun.DestroyAsync(ctx.Context, apply3.NewState);
        Assert.False(destroyed.Diagnostics.Any(d => d.IsError), HostDriverRun.Errors(destroyed.Diagnostics));
        Assert.Null(destroyed.NewState);
        var after = await ctx.Node.ExecAsync("test -e /usr/bin/nvidia-vgpu-mgr || test -e /var/lib/vgpu-iac/host-driver.env");
        Assert.NotEqual(0, after.ExitCode);
    }

    [NodeFact]
    public async Task DriverRemovedOnTheNodeIsGone()
    {
        await using var ctx = await NodeContext.StartAsync();
        await HostDriverSetup.InstallAsync(ctx.Node);
        var imported = await HostDriverRun.Resource.ImportAsync(new ImportRequest { Context = ctx.Context, Id = "pve1" }, CancellationToken.None);
        Assert.Equal("535.129.03", imported.State!["installed_version"].AsString());

        await ctx.Node.ExecCheckedAsync("systemctl stop nvidia-vgpu-mgr.service nvidia-vgpud.service; /usr/bin/nvidia-uninstall -s");
        await ctx.Node.RebootAsync();
        Fresh(ctx);
        var read = await HostDriverRun.Resource.ReadAsync(new ReadRequest { Context = ctx.Context, State = imported.State }, CancellationToken.None);

        Assert.Null(read.NewState);
    }

    [NodeFact]
    public async Task UpdateUninstallsTheOldVersionFirst()
    {
        await using var ctx = await NodeContext.StartAsync();
        await HostDriverSetup.InstallAsync(ctx.Node);
        Fresh(ctx);
        var prior = (await HostDriverRun.Resource.ImportAsync(new ImportRequest { Context = ctx.Context, Id = "pve1" }, CancellationToken.None)).State!;
        var mark = await ctx.Node.CommandLogMarkAsync();

        var (plan, apply) = await HostDriverRun.PlanApplyAsync(ctx.Context, HostDriverRun.FromFile(Installer("535.154.02")), prior);

        Assert.False(plan.Diagnostics.Any(d => d.IsError), HostDriverRun.Errors(plan.Diagnostics));
        Assert.False(apply!.Diagnostics.Any(d => d.IsError), HostDriverRun.Errors(apply.Diagnostics));
        Assert.Equal("535.154.02", apply.NewState!["installed_version"].AsString());
        Assert.Equal("ok", apply.NewState["health"].AsString());
        var log = (await LogSinceAsync(ctx, mark)).Select(e => e.Text).ToList();
        var uninstall = log.FindIndex(t => t.Contains("--uninstall", StringComparison.Ordinal) || t.Contains("nvidia-uninstall", StringComparison.Ordinal));
        var install = log.FindIndex(t => t.Contains("535.154.02", StringComparison.Ordinal) && t.Contains("--dkms", StringComparison.Ordinal));
        Assert.True(uninstall >= 0 && install > uninstall, string.Join("\n", log));
    }

    [NodeFact]
    public async Task DeleteIsRefusedWhileAVgpuVmRuns()
    {
        await using var ctx = await NodeContext.StartAsync();
        await HostDriverSetup.InstallAsync(ctx.Node);
        await ctx.Node.ExecCheckedAsync("mkdir -p /etc/pve/qemu-server /run/nodesim/qm && printf 'name: win10\\nmemory: 4096\\nhostpci0: 0000:01:00.0,mdev=nvidia-46,pcie=1\\n' > /etc/pve/qemu-server/100.conf && echo 4242 > /run/nodesim/qm/100.pid && touch /run/nodesim/qm/100.running");
        Fresh(ctx);
        var prior = (await HostDriverRun.Resource.ImportAsync(new ImportRequest { Context = ctx.Context, Id = "pve1" }, CancellationToken.None)).State!;

        var refused = await HostDriverRun.DestroyAsync(ctx.Context, prior);

        var error = Assert.Single(refused.Diagnostics, d => d.IsError);
        Assert.Contains("VM 100", error.Detail, StringComparison.Ordinal);
        Assert.Equal("force_destroy", error.Path!.ToString());
        Assert.NotNull(refused.NewState);
        Assert.Equal(0, (await ctx.Node.ExecAsync("test -e /usr/bin/nvidia-vgpu-mgr")).ExitCode);

        var forced = await HostDriverRun.DestroyAsync(ctx.Context, prior.With("force_destroy", Value.True));
        Assert.False(forced.Diagnostics.Any(d => d.IsError), HostDriverRun.Errors(forced.Diagnostics));
        Assert.Null(forced.NewState);
    }

    [NodeFact]
    public async Task KernelOutOfRangeIsAPlanErrorNamingTheKernelToPin()
    {
        await using var ctx = await NodeContext.StartAsync(new NodeOptions { RunningKernel = "6.8.12-4-pve", InstalledKernels = ["6.5.13-6-pve", "6.8.12-4-pve"] });
        var mark = await ctx.Node.CommandLogMarkAsync();

        var plan = await HostDriverRun.PlanAsync(ctx.Context, HostDriverRun.FromFile(Installer("535.129.03")), null);

        var error = Assert.Single(plan.Diagnostics, d => d.IsError);
        Assert.Contains("proxmox-boot-tool kernel pin 6.5.13-6-pve", error.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(await LogSinceAsync(ctx, mark), e => e.Kind == CommandLogKind.ShimMutate);
    }

    [NodeFact]
    public async Task ConnectionDroppedDuringTheInstallerDoesNotStopItAndTheApplyWaitsOnANewConnection()
    {
        await using var ctx = await NodeContext.StartAsync();
        await ctx.Node.ExecCheckedAsync("printf 'blacklist nouveau\\n' > /etc/modprobe.d/blacklist-nouveau.conf && update-initramfs -u >/dev/null");
        await ctx.Node.RebootAsync();
        Fresh(ctx);
        var config = HostDriverRun.FromFile(Installer("535.129.03"));
        var mark = await ctx.Node.CommandLogMarkAsync();
        await ctx.Node.DelayAsync("vgpu-kvm\\.run --dkms -s", 3, once: true);

        // the connection of the wait for the detached installer (operation id, seconds) drops while the installer runs
        await ctx.Node.DropConnectionAsync("host-driver [0-9a-f]{32} [0-9]+$", afterSeconds: 0.5);

        var (_, first) = await HostDriverRun.PlanApplyAsync(ctx.Context, config, null);

        Assert.False(first!.Diagnostics.Any(d => d.IsError), HostDriverRun.Errors(first.Diagnostics));
        Assert.Equal("ok", first.NewState!["health"].AsString());
        var log = await LogSinceAsync(ctx, mark);
        Assert.Contains(log, e => e.Kind == CommandLogKind.Exec && e.ExitCode == 255 && e.Text.Contains("host-driver", StringComparison.Ordinal));
        Assert.Single(log, e => e.Kind != CommandLogKind.Exec && e.Text.StartsWith("NVIDIA-Linux-x86_64-", StringComparison.Ordinal) && e.Text.EndsWith("--dkms -s", StringComparison.Ordinal));
    }

    [NodeFact]
    public async Task RebootThatNeverReturnsIsATimeoutDiagnostic()
    {
        await using var ctx = await NodeContext.StartAsync();
        await ctx.Node.RebootNeverReturnsAsync();
        var config = HostDriverRun.FromFile(Installer("535.129.03"), ("reboot_timeout", Value.String("6s")));

        var (_, apply) = await HostDriverRun.PlanApplyAsync(ctx.Context, config, null);
        var ended = DateTimeOffset.UtcNow;

        // reboot_timeout is the whole wait: from the reboot command to the end of the apply (no extra connect timeout)
        var reboot = (await ctx.Node.ReadCommandLogAsync()).Last(e => e.Kind == CommandLogKind.Exec && e.Text.EndsWith("reboot </dev/null", StringComparison.Ordinal));
        Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"reboot_timeout 6s: the apply ended {(ended - reboot.Timestamp).TotalSeconds:F1} s after the reboot command"));
        var error = Assert.Single(apply!.Diagnostics, d => d.IsError);
        Assert.Contains("did not come back", error.Detail, StringComparison.Ordinal);
        Assert.Contains("console", error.Detail, StringComparison.Ordinal);

        // a failed create keeps nothing in state (it would be tainted, and the next apply would uninstall the driver)
        Assert.Null(apply.NewState);
    }

    [NodeFact]
    public async Task WrongSha256InstallsNothing()
    {
        await using var ctx = await NodeContext.StartAsync();
        var mark = await ctx.Node.CommandLogMarkAsync();

        var plan = await HostDriverRun.PlanAsync(ctx.Context, HostDriverRun.FromFile(Installer("535.129.03"), ("installer_sha256", Value.String(new string('0', 64)))), null);

        Assert.Contains(plan.Diagnostics, d => d.IsError && d.Summary.Contains("checksum", StringComparison.Ordinal));
        Assert.DoesNotContain(await LogSinceAsync(ctx, mark), e => e.Kind is CommandLogKind.ShimMutate or CommandLogKind.Sftp);
    }

    [NodeFact]
    public async Task WrongSha256OfADownloadInstallsNothing()
    {
        await using var ctx = await NodeContext.StartAsync();
        await ctx.Node.ExecCheckedAsync("printf 'blacklist nouveau\\n' > /etc/modprobe.d/blacklist-nouveau.conf && update-initramfs -u >/dev/null");
        await ctx.Node.RebootAsync();
        var installer = Installer("535.129.03");
        await ctx.Node.ExecAsync("mkdir -p /srv/www", CancellationToken.None);
        await ctx.Node.ExecAsync("cat > /srv/www/NVIDIA-Linux-x86_64-535.129.03-vgpu-kvm.run", CancellationToken.None, File.ReadAllText(installer));
        Fresh(ctx);
        var config = HostDriverRun.Config(
            ("installer_url", Value.String("file:///srv/www/NVIDIA-Linux-x86_64-535.129.03-vgpu-kvm.run")),
            ("installer_sha256", Value.String(new string('1', 64))));

        var plan = await HostDriverRun.PlanAsync(ctx.Context, config, null);
        var apply = await HostDriverRun.Resource.ApplyAsync(new ApplyRequest { Context = ctx.Context, Config = config, Planned = plan.Planned }, CancellationToken.None);

        Assert.Contains(apply.Diagnostics, d => d.IsError && d.Summary.Contains("download", StringComparison.Ordinal));
        Assert.NotEqual(0, (await ctx.Node.ExecAsync("test -e /usr/bin/nvidia-vgpu-mgr")).ExitCode);
    }

    [NodeFact]
    public async Task HostileUrlIsPassedLiterallyAndNeverExecuted()
    {
        await using var ctx = await NodeContext.StartAsync();
        await ctx.Node.ExecCheckedAsync("printf 'blacklist nouveau\\n' > /etc/modprobe.d/blacklist-nouveau.conf && update-initramfs -u >/dev/null");
        await ctx.Node.RebootAsync();
        Fresh(ctx);
        const string hostile = "https://127.0.0.1:1/$(touch /root/pwned)`touch /root/pwned2`;touch${IFS}/root/pwned3.run";
        var config = HostDriverRun.Config(("installer_url", Value.String(hostile)), ("installer_sha256", Value.String(new string('a', 64))), ("version", Value.String("535.129.03")));

        Assert.Contains(HostDriverRun.Resource.Validate(HostDriverRun.Config(("installer_url", Value.String("https://x/a.run")), ("installer_sha256", Value.String(new string('a', 64))), ("version", Value.String("535.129.03; touch /root/pwned")))), d => d.IsError);
        var plan = await HostDriverRun.PlanAsync(ctx.Context, config, null);
        Assert.Equal(hostile, plan.Planned!["installer_url"].AsString());
        var apply = await HostDriverRun.Resource.ApplyAsync(new ApplyRequest { Context = ctx.Context, Config = config, Planned = plan.Planned }, CancellationToken.None);

        Assert.Contains(apply.Diagnostics, d => d.IsError);
        Assert.NotEqual(0, (await ctx.Node.ExecAsync("ls /root/pwned* 2>/dev/null | grep -q .")).ExitCode);
    }

    [NodeFact]
    public async Task InstallerUrlIsDownloadedOnTheNodeAndVerified()
    {
        await using var ctx = await NodeContext.StartAsync();
        var installer = Installer("535.129.03");
        await using var files = new FileServer(await File.ReadAllBytesAsync(installer));
        var config = HostDriverRun.Config(
            ("installer_url", Value.String(files.Url("files/NVIDIA-Linux-x86_64-535.129.03-vgpu-kvm.run"))),
            ("installer_sha256", Value.String(FakeInstaller.Sha256(installer))));

        var (plan, apply) = await HostDriverRun.PlanApplyAsync(ctx.Context, config, null);

        Assert.Equal("535.129.03", plan.Planned!["version"].AsString());
        Assert.False(apply!.Diagnostics.Any(d => d.IsError), HostDriverRun.Errors(apply.Diagnostics));
        Assert.Equal("ok", apply.NewState!["health"].AsString());
        Assert.Equal(1, files.Requests);
        Assert.Equal(FakeInstaller.Sha256(installer), (await ctx.Node.ExecCheckedAsync("sha256sum /var/lib/vgpu-iac/installers/NVIDIA-Linux-x86_64-535.129.03-vgpu-kvm.run")).Split(' ')[0]);
    }

    [NodeFact]
    public async Task InstallerFailureShowsTheInstallerLogAndAFailedCreateKeepsNothingInState()
    {
        await using var ctx = await NodeContext.StartAsync(new NodeOptions { RunningKernel = "6.8.12-4-pve" });
        await ctx.Node.ExecCheckedAsync("printf 'blacklist nouveau\\n' > /etc/modprobe.d/blacklist-nouveau.conf && update-initramfs -u >/dev/null");
        await ctx.Node.RebootAsync();
        Fresh(ctx);
        var config = HostDriverRun.FromFile(Installer("535.129.03"), ("kernel_compatibility", Value.String("off")));

        var (plan, apply) = await HostDriverRun.PlanApplyAsync(ctx.Context, config, null);

        Assert.DoesNotContain(plan.Diagnostics, d => d.Summary.Contains("kernel", StringComparison.Ordinal));
        var error = Assert.Single(apply!.Diagnostics, d => d.IsError);
        Assert.Equal("Unable to install host driver 535.129.03", error.Summary);
        Assert.Contains("proxmox-boot-tool kernel pin", error.Detail, StringComparison.Ordinal);
        Assert.Contains("DKMS", error.Detail, StringComparison.Ordinal);
        Assert.Null(apply.NewState);
    }

}
