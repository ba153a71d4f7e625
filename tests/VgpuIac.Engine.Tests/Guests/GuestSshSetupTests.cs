using VgpuIac.Engine.Guests;
using VgpuIac.Engine.Licensing;
using VgpuIac.Engine.Tests.Licensing;
using VgpuIac.Engine.Tests.Support;
using VgpuIac.Engine.Values;
using VgpuIac.NodeSim;

namespace VgpuIac.Engine.Tests.Guests;

/// <summary>
/// vgpu_guest with guest_ssh_*: a Linux guest set up over a direct SSH connection to it (the simulated VM's own sshd,
/// with its own pinned host key) instead of the QEMU guest agent. The agent is even disabled, and the node's command
/// log must show no `qm guest exec`.
/// </summary>
public sealed class GuestSshSetupTests
{
    private const long Vmid = 200;

    private static Value GuestConfig(GuestSshEndpoint ssh, string hostKey, string installer, string sha, Value token) => Value.Object(
        ("node", Value.String(NodeContext.NodeName)),
        ("vmid", Value.Number(Vmid)),
        ("name", Value.String("vgpu-ssh")),
        ("mdev_type_name", Value.String("GRID P40-1Q")),
        ("agent", Value.False),
        ("guest_ssh_host", Value.String(ssh.Host)),
        ("guest_ssh_port", Value.Number(ssh.Port)),
        ("guest_ssh_private_key_file", Value.String(ssh.PrivateKeyPath)),
        ("guest_ssh_host_key_sha256", Value.String(hostKey)),
        ("guest_driver_source", Value.String(installer)),
        ("guest_driver_sha256", Value.String(sha)),
        ("host_driver_version", Value.String(HostDriverSetup.Version)),
        ("license_token", token));

    private static (string Installer, string Sha) GuestDriver()
    {
        var dir = Directory.CreateTempSubdirectory("vgpuiac-guest-ssh-");
        var installer = Path.Combine(dir.FullName, FakeGuestDriver.FileName("535.129.03"));
        var sha = FakeGuestDriver.Write(installer, "535.129.03", sizeBytes: 3 * 1024 * 1024); // > 1 MiB: one upload over SSH, no pieces
        return (installer, sha);
    }

    private static bool IsAgentExec(CommandLogEntry e) => e.Text.Contains("guest exec", StringComparison.Ordinal);

    [NodeFact]
    public async Task Linux_guest_is_set_up_over_ssh_to_licensed_without_the_agent_and_a_second_apply_changes_nothing()
    {
        await using var ctx = await NodeContext.StartAsync();
        await HostDriverSetup.InstallAsync(ctx.Node);
        var dls = new ResourceDriver(new DlsLicenseServerResource(), ctx.Context);
        var (server, _) = await dls.ApplyAsync(Value.Object(
            ("node", Value.String(NodeContext.NodeName)), ("vmid", Value.Number(250)), ("ip_address", Value.String("192.0.2.50/24")),
            ("gateway", Value.String("192.0.2.1")), ("dls_url", Value.String("127.0.0.1")), ("dls_port", Value.Number(LoopbackPorts.Reserve()))), null);

        var ssh = await ctx.Node.PrepareGuestSshAsync(Vmid);
        var (installer, sha) = GuestDriver();
        var guests = new ResourceDriver(new GuestResource(), ctx.Context);
        var config = GuestConfig(ssh, ssh.HostKeySha256, installer, sha, server!["client_token"]);
        var mark = await ctx.Node.CommandLogMarkAsync();

        var (guest, _) = await guests.ApplyAsync(config, null);
        Assert.NotNull(guest);
        Assert.StartsWith("Licensed (Expiry: ", guest["license_status"].AsString(), StringComparison.Ordinal);
        Assert.Equal("535.129.03", guest["guest_driver_version"].AsString());
        Assert.Contains("agent: enabled=0", await ctx.Node.ExecCheckedAsync("qm config 200"), StringComparison.Ordinal);
        var tokenMode = await ctx.Node.ExecCheckedAsync("stat -c %a /var/lib/nodesim/guests/200/root/etc/nvidia/ClientConfigToken/client_configuration_token_vgpuiac.tok");
        Assert.Equal("600", tokenMode.Trim());
        Assert.DoesNotContain(server["client_token"].AsString(), ctx.Log.All, StringComparison.Ordinal);

        // the node never ran a command through the agent; the guest's own log shows the setup arriving over SSH
        var nodeLog = await ctx.Node.ReadCommandLogAsync(mark);
        Assert.DoesNotContain(nodeLog, IsAgentExec);
        var guestLog = await ctx.Node.ReadGuestCommandLogAsync(Vmid);
        Assert.Contains(guestLog, e => e.Kind == CommandLogKind.Exec && e.Text.Contains("update-initramfs", StringComparison.Ordinal));
        Assert.Contains(guestLog, e => e.Kind == CommandLogKind.Exec && e.Text.Contains("--dkms -s", StringComparison.Ordinal));
        Assert.Contains(guestLog, e => e.Kind == CommandLogKind.ShimMutate && e.Text.StartsWith("reboot", StringComparison.Ordinal));
        Assert.Contains(guestLog, e => e.Kind == CommandLogKind.ShimMutate && e.Text.Contains("restart nvidia-gridd", StringComparison.Ordinal));

        // a second apply runs no mutating command, neither on the node nor in the guest
        var nodeMark = await ctx.Node.CommandLogMarkAsync();
        var guestMark = guestLog.Count;
        var (again, _) = await guests.ApplyAsync(config, guest);
        Assert.Equal(guest["license_status"], again!["license_status"]);
        var nodeAgain = await ctx.Node.ReadCommandLogAsync(nodeMark);
        Assert.DoesNotContain(nodeAgain, e => e.Kind == CommandLogKind.ShimMutate);
        Assert.DoesNotContain(nodeAgain, IsAgentExec);
        var guestAgain = await ctx.Node.ReadGuestCommandLogAsync(Vmid, guestMark);
        Assert.Contains(guestAgain, e => e.Kind == CommandLogKind.Exec);
        Assert.DoesNotContain(guestAgain, e => e.Kind == CommandLogKind.ShimMutate);

        // refresh reads the guest over SSH too
        var read = await guests.ReadAsync(again);
        Assert.StartsWith("Licensed", read.NewState!["license_status"].AsString(), StringComparison.Ordinal);
    }

    [NodeFact]
    public async Task A_wrong_guest_host_key_is_a_diagnostic_on_guest_ssh_host_key_sha256_and_nothing_runs_in_the_guest()
    {
        await using var ctx = await NodeContext.StartAsync();
        await HostDriverSetup.InstallAsync(ctx.Node);
        var ssh = await ctx.Node.PrepareGuestSshAsync(Vmid);
        var (installer, sha) = GuestDriver();
        var otherKey = "SHA256:" + Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData("not the guest's key"u8)).TrimEnd('=');
        var guests = new ResourceDriver(new GuestResource(), ctx.Context);
        var config = GuestConfig(ssh, otherKey, installer, sha, Value.String("token-that-never-leaves"));

        var (state, diagnostics) = await guests.ApplyAsync(config, null, expectErrors: true);
        var error = Assert.Single(diagnostics, d => d.IsError);
        Assert.Equal("guest_ssh_host_key_sha256", error.Path!.ToString());
        Assert.Contains("guest_ssh_host_key_sha256", error.Detail, StringComparison.Ordinal);
        Assert.Contains(ssh.HostKeySha256, error.Detail, StringComparison.Ordinal);
        // the VM exists (made through qm on the node); only the guest setup was refused. A failed create keeps nothing in
        // state (a tainted state would make the next apply destroy the VM): the next apply finishes that VM
        Assert.Null(state);
        Assert.True((await ctx.Node.ExecAsync($"test -e /etc/pve/qemu-server/{Vmid}.conf")).Succeeded);

        Assert.DoesNotContain(await ctx.Node.ReadGuestCommandLogAsync(Vmid), e => e.Kind is CommandLogKind.Exec or CommandLogKind.Sftp);
        Assert.False((await ctx.Node.ExecAsync("test -e /var/lib/nodesim/guests/200/root/root/nvidia-grid-driver.run")).Succeeded);
        Assert.False((await ctx.Node.ExecAsync("test -e /var/lib/nodesim/guests/200/root/etc/modprobe.d/blacklist-nouveau.conf")).Succeeded);
    }

    [NodeFact]
    public async Task Guest_ssh_needs_a_pinned_host_key_and_is_linux_only()
    {
        var resource = new GuestResource();
        var driver = new ResourceDriver(resource, null!);
        var config = Value.Object(
            ("node", Value.String(NodeContext.NodeName)), ("vmid", Value.Number(Vmid)), ("name", Value.String("vgpu-ssh")),
            ("mdev_type", Value.String("nvidia-46")), ("guest_ssh_host", Value.String("192.0.2.10")),
            ("guest_ssh_private_key_file", Value.String("/root/.ssh/id_ed25519")));
        var missing = resource.Validate(driver.Fill(config)).ToList();
        Assert.Contains(missing, d => d.IsError && d.Path!.ToString() == "guest_ssh_host_key_sha256");

        var windows = resource.Validate(driver.Fill(config.With("os", Value.String("windows"))
            .With("guest_ssh_host_key_sha256", Value.String("SHA256:" + new string('A', 43))))).ToList();
        Assert.Contains(windows, d => d.IsError && d.Path!.ToString() == "guest_ssh_host" && d.Detail.Contains("guest agent", StringComparison.Ordinal));
        await Task.CompletedTask;
    }
}
