using System.Globalization;
using VgpuIac.Engine.Guests;
using VgpuIac.Engine.Tests.Licensing;
using VgpuIac.Engine.Tests.Support;
using VgpuIac.Engine.Values;
using VgpuIac.NodeSim;

namespace VgpuIac.Engine.Tests.Guests;

/// <summary>
/// What a user of a Windows VM (not an administrator) could turn against SYSTEM: the driver installer is staged in a
/// folder VgpuIac makes itself with an ACL of SYSTEM and Administrators only (a folder someone else made is refused),
/// and checked and run in one agent call; the licence token is never readable by Users, not even as its .new file.
/// The simulated guest keeps an ACL as the owner and mode of the file (see guest-tools-windows/powershell.exe).
/// </summary>
public sealed class WindowsGuestStagingTests
{
    private const string WindowsDriver = "537.70";

    private static string GuestC(long vmid) => $"/var/lib/nodesim/guests/{vmid.ToString(CultureInfo.InvariantCulture)}/root/c";

    private static string Stage(long vmid) => GuestC(vmid) + "/Windows/Temp/vgpuiac";

    private static Value WindowsGuest(long vmid, string installer, string sha) => Value.Object(
        ("node", Value.String(NodeContext.NodeName)),
        ("vmid", Value.Number(vmid)),
        ("name", Value.String("vgpu-win11")),
        ("os", Value.String("windows")),
        ("mdev_type_name", Value.String("GRID P40-1Q")),
        ("guest_driver_source", Value.String(installer)),
        ("guest_driver_sha256", Value.String(sha)),
        ("host_driver_version", Value.String(HostDriverSetup.Version)));

    private static (string Path, string Sha) WriteInstaller()
    {
        var dir = Directory.CreateTempSubdirectory("vgpuiac-wstage-");
        var installer = Path.Combine(dir.FullName, FakeWindowsGuestDriver.FileName(WindowsDriver));
        return (installer, FakeWindowsGuestDriver.Write(installer, WindowsDriver));
    }

    /// <summary>A started Windows VM made by hand (so that its guest exists before VgpuIac touches it), imported.</summary>
    private static async Task<Value> HandMadeWindowsVmAsync(NodeContext ctx, long vmid)
    {
        await ctx.Node.ExecCheckedAsync($"qm create {vmid} --name vgpu-win11 --ostype win11 --machine q35 --bios ovmf --agent enabled=1 --net0 virtio,bridge=vmbr0 "
            + "--scsihw virtio-scsi-single --scsi0 local-lvm:32,iothread=1 --cpu host --cores 4 --memory 8192 "
            + $"--hostpci0 0000:01:00.0,mdev=nvidia-46,pcie=1 && qm start {vmid}");
        var imported = await new ResourceDriver(new GuestResource(), ctx.Context).ImportAsync($"{NodeContext.NodeName}/{vmid}");
        Assert.NotNull(imported.State);
        return imported.State;
    }

    [NodeFact]
    public async Task The_driver_is_staged_in_a_folder_only_system_and_administrators_can_write_and_checked_and_run_in_one_agent_call()
    {
        await using var ctx = await NodeContext.StartAsync();
        await HostDriverSetup.InstallAsync(ctx.Node);
        var (installer, sha) = WriteInstaller();
        var mark = await ctx.Node.CommandLogMarkAsync();

        var (state, _) = await new ResourceDriver(new GuestResource(), ctx.Context).ApplyAsync(WindowsGuest(310, installer, sha), null);
        Assert.Equal(WindowsDriver, state!["guest_driver_version"].AsString());

        // the folder is ours alone (Administrators own it, only SYSTEM and Administrators are in its ACL) and the installer is gone
        Assert.Equal("0 700", (await ctx.Node.ExecCheckedAsync($"stat -c '%u %a' {Stage(310)}")).Trim());
        Assert.Equal(string.Empty, (await ctx.Node.ExecCheckedAsync($"ls -A {Stage(310)}")).Trim());

        // the guest: the folder was made with its ACL before the first byte of the installer was written
        var guest = await ctx.Node.ReadGuestCommandLogAsync(310);
        var made = Assert.Single(guest, e => e.Text.StartsWith("powershell.exe", StringComparison.Ordinal) && e.Text.Contains("[IO.Directory]::CreateDirectory($dir, $acl)", StringComparison.Ordinal));
        Assert.Contains("$acl.SetAccessRuleProtection($true, $false)", made.Text, StringComparison.Ordinal);
        var firstWrite = guest.First(e => e.Text.Contains("[IO.File]::Create('C:\\Windows\\Temp\\vgpuiac\\nvidia-grid-driver.exe')", StringComparison.Ordinal));
        Assert.True(made.Index < firstWrite.Index, "the stage folder is made (with its ACL) before the installer is written");
        Assert.DoesNotContain(guest, e => e.Text.Contains("New-Item -ItemType Directory -Force -Path 'C:\\Windows\\Temp\\vgpuiac'", StringComparison.Ordinal));

        // one agent call checks and runs: certutil and the installer ran inside that call's powershell.exe
        var run = Assert.Single(guest, e => e.Text.StartsWith("powershell.exe", StringComparison.Ordinal) && e.Text.Contains("Start-Process -FilePath $file", StringComparison.Ordinal));
        var hash = Assert.Single(guest, e => e.Text.StartsWith("certutil.exe -hashfile C:\\Windows\\Temp\\vgpuiac\\nvidia-grid-driver.exe", StringComparison.Ordinal));
        var setup = Assert.Single(guest, e => e.Text.Contains("nvidia-grid-driver.exe -s -noreboot -clean", StringComparison.Ordinal));
        Assert.Equal(0, run.ExitCode);
        foreach (var inner in new[] { hash, setup })
        {
            Assert.InRange(inner.Timestamp, run.Timestamp, run.Timestamp + run.Duration);
            Assert.True(inner.Index < run.Index, "a shim logs when it ends: the inner programs end before the call that ran them");
        }

        // the node: no agent call runs certutil or the installer on its own; one passes the checksum on stdin
        var execs = (await ctx.Node.ReadCommandLogAsync(mark)).Where(e => e.Text.StartsWith("qm guest exec 310 ", StringComparison.Ordinal)).ToList();
        Assert.DoesNotContain(execs, e => e.Text.Contains("-- certutil.exe -hashfile C:\\Windows\\Temp", StringComparison.Ordinal));
        Assert.DoesNotContain(execs, e => e.Text.Contains("-- C:\\Windows\\Temp\\vgpuiac\\nvidia-grid-driver.exe", StringComparison.Ordinal));
        Assert.Single(execs, e => e.Text.Contains("--pass-stdin 1", StringComparison.Ordinal) && e.Text.Contains("Start-Process", StringComparison.Ordinal));
    }

    [NodeFact]
    public async Task A_stage_folder_a_user_of_the_vm_made_is_refused_and_a_leftover_of_ours_is_made_fresh()
    {
        await using var ctx = await NodeContext.StartAsync();
        await HostDriverSetup.InstallAsync(ctx.Node);
        var (installer, sha) = WriteInstaller();
        var prior = await HandMadeWindowsVmAsync(ctx, 311);
        var guests = new ResourceDriver(new GuestResource(), ctx.Context);
        var config = WindowsGuest(311, installer, sha);

        // a user of the VM made C:\Windows\Temp\vgpuiac (every user may create folders in C:\Windows\Temp) and can write in it
        var stage = Stage(311);
        await ctx.Node.ExecCheckedAsync($"mkdir {stage} && echo planted > {stage}/nvidia-grid-driver.exe && chown -R 1000:1000 {stage} && chmod 0777 {stage}");
        var (_, diagnostics) = await guests.ApplyAsync(config, prior, expectErrors: true);
        var d = Assert.Single(diagnostics, x => x.IsError);
        Assert.Equal("Unable to stage the guest driver", d.Summary);
        Assert.Equal("guest_driver_source", d.Path!.ToString());
        Assert.Contains(@"C:\Windows\Temp\vgpuiac already exists and is not owned by SYSTEM or Administrators.", d.Detail, StringComparison.Ordinal);
        Assert.Contains("delete it as an administrator of the guest", d.Detail, StringComparison.Ordinal);

        // nothing was written into it, nothing was run, the user's folder is as it was
        Assert.Equal("1000 777\nplanted", (await ctx.Node.ExecCheckedAsync($"stat -c '%u %a' {stage}; cat {stage}/nvidia-grid-driver.exe")).Trim());
        Assert.DoesNotContain(await ctx.Node.ReadGuestCommandLogAsync(311), e => e.Text.Contains("-noreboot", StringComparison.Ordinal) || e.Text.StartsWith("certutil.exe -hashfile C:\\Windows\\Temp", StringComparison.Ordinal));
        Assert.False((await ctx.Node.ExecAsync($"test -e {GuestC(311)}/Windows/System32/nvidia-smi.exe")).Succeeded);

        // an administrator removes it; a leftover of ours from an older run (Administrators' folder, inherited ACL, a stale file)
        // is not reused: it is made fresh with our ACL, and the driver goes in
        await ctx.Node.ExecCheckedAsync($"rm -rf {stage} && mkdir -m 0755 {stage} && echo stale > {stage}/old.exe");
        var read = await guests.ReadAsync(prior);
        var (state, _) = await guests.ApplyAsync(config, read.NewState);
        Assert.Equal(WindowsDriver, state!["guest_driver_version"].AsString());
        Assert.Equal("0 700", (await ctx.Node.ExecCheckedAsync($"stat -c '%u %a' {stage}")).Trim());
        Assert.False((await ctx.Node.ExecAsync($"test -e {stage}/old.exe")).Succeeded);
    }

    [NodeFact]
    public async Task The_token_is_restricted_to_system_and_administrators_from_the_moment_its_file_is_created()
    {
        await using var ctx = await NodeContext.StartAsync();
        await HostDriverSetup.InstallAsync(ctx.Node);
        var (installer, sha) = WriteInstaller();
        var guests = new ResourceDriver(new GuestResource(), ctx.Context);
        var (state, _) = await guests.ApplyAsync(WindowsGuest(312, installer, sha), null);

        // in this guest, restricting a file afterwards fails and so does deleting it: a token written with the folder's
        // inherited ACL (Users may read) would stay readable. No licence server answers: the wait for Licensed fails.
        var faults = $"/var/lib/nodesim/guests/312/root/etc/nodesim/faults";
        await ctx.Node.ExecCheckedAsync($"mkdir -p {faults} && printf '%s\\n' \"MATCH='^icacls\\.exe '\" ACTION=fail EXIT=5 > {faults}/icacls && printf '%s\\n' \"MATCH='^cmd\\.exe .*del'\" ACTION=fail EXIT=5 > {faults}/del");
        var config = WindowsGuest(312, installer, sha).With("license_token", Value.String("eyJhbGciOi.token.for-this-test")).With("license_wait_timeout", Value.String("3s"));
        var (_, diagnostics) = await guests.ApplyAsync(config, state, expectErrors: true);

        Assert.Equal("The guest did not become licensed", Assert.Single(diagnostics, x => x.IsError).Summary);
        var tokenDir = $"{GuestC(312)}/Program Files/NVIDIA Corporation/vGPU Licensing/ClientConfigToken";
        Assert.Equal("600 eyJhbGciOi.token.for-this-test", (await ctx.Node.ExecCheckedAsync($"cd '{tokenDir}' && stat -c %a client_configuration_token_vgpuiac.tok | tr '\\n' ' ' && cat client_configuration_token_vgpuiac.tok")).Trim());
        Assert.False((await ctx.Node.ExecAsync($"test -e '{tokenDir}/client_configuration_token_vgpuiac.tok.new'")).Succeeded);

        // the .new file was created with the ACL in the same call that wrote it; no ACL was set afterwards
        var guest = await ctx.Node.ReadGuestCommandLogAsync(312);
        var write = Assert.Single(guest, e => e.Text.Contains("client_configuration_token_vgpuiac.tok.new', 4096, 'None', $acl)", StringComparison.Ordinal));
        Assert.Contains("$acl.SetAccessRuleProtection($true, $false)", write.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(guest, e => e.Text.StartsWith("icacls.exe", StringComparison.Ordinal));
    }
}
