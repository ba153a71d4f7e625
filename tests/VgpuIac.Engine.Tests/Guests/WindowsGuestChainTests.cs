using VgpuIac.Engine.Guests;
using VgpuIac.Engine.Licensing;
using VgpuIac.Engine.Tests.Licensing;
using VgpuIac.Engine.Tests.Support;
using VgpuIac.Engine.Values;
using VgpuIac.NodeSim;

namespace VgpuIac.Engine.Tests.Guests;

/// <summary>
/// The Windows chain on one simulated node over real SSH: a licence server in an LXC, then a Windows vGPU guest whose
/// driver is installed through the agent (staged over stdin, checked with certutil, run silently, guest restarted) and
/// whose NVDisplay.ContainerLocalSystem service earns "Licensed" from that server with the token VgpuIac fetched.
/// </summary>
public sealed class WindowsGuestChainTests
{
    private const string WindowsDriver = "537.70"; // the Windows guest driver of vGPU 16.2 (host 535.129.03)

    private const string GuestC = "/var/lib/nodesim/guests/{0}/root/c";

    private const string NodeTree = "find /etc/pve/qemu-server /var/lib/nodesim/guests /sys/bus/mdev/devices 2>/dev/null | sort; cat /sys/bus/pci/devices/0000:01:00.0/mdev_supported_types/*/available_instances";

    private static Value DlsConfig(int port) => Value.Object(
        ("node", Value.String(NodeContext.NodeName)),
        ("vmid", Value.Number(250)),
        ("ip_address", Value.String("192.0.2.50/24")),
        ("gateway", Value.String("192.0.2.1")),
        ("dls_url", Value.String("127.0.0.1")),
        ("dls_port", Value.Number(port)));

    private static Value WindowsGuest(long vmid, string installer, string sha, Value token) => Value.Object(
        ("node", Value.String(NodeContext.NodeName)),
        ("vmid", Value.Number(vmid)),
        ("name", Value.String("vgpu-win11")),
        ("os", Value.String("windows")),
        ("mdev_type_name", Value.String("GRID P40-1Q")),
        ("guest_driver_source", Value.String(installer)),
        ("guest_driver_sha256", Value.String(sha)),
        ("host_driver_version", Value.String(HostDriverSetup.Version)),
        ("license_token", token));

    private static (string Path, string Sha) WriteInstaller(int sizeBytes = 0)
    {
        var dir = Directory.CreateTempSubdirectory("vgpuiac-wguest-");
        var installer = Path.Combine(dir.FullName, FakeWindowsGuestDriver.FileName(WindowsDriver));
        return (installer, FakeWindowsGuestDriver.Write(installer, WindowsDriver, sizeBytes));
    }

    private static async Task<int> GuestMutationsAsync(SimulatedNode node, long vmid) =>
        int.Parse((await node.ExecCheckedAsync($"grep -c \"$(printf '\\tshim-m\\t')\" /var/lib/nodesim/guests/{vmid}/root/var/lib/nodesim/commands.log || true")).Trim(), System.Globalization.CultureInfo.InvariantCulture);

    [NodeFact]
    public async Task Windows_guest_gets_driver_and_licence_from_the_licence_server_and_destroy_leaves_the_node_as_it_was()
    {
        await using var ctx = await NodeContext.StartAsync();
        await HostDriverSetup.InstallAsync(ctx.Node);
        var dls = new ResourceDriver(new DlsLicenseServerResource(), ctx.Context);
        var (server, _) = await dls.ApplyAsync(DlsConfig(LoopbackPorts.Reserve()), null);
        var before = await ctx.Node.ExecCheckedAsync(NodeTree);

        // 2.5 MiB: more than PVE passes on one `qm guest exec --pass-stdin` (1 MiB), so it goes in three pieces
        var (installer, sha) = WriteInstaller(5 * 512 * 1024);
        var guests = new ResourceDriver(new GuestResource(), ctx.Context);
        var config = WindowsGuest(300, installer, sha, server!["client_token"]);

        var (guest, _) = await guests.ApplyAsync(config, null);
        Assert.NotNull(guest);
        Assert.Equal("windows", guest["os"].AsString());
        Assert.Equal("nvidia-46", guest["mdev_type"].AsString());
        Assert.StartsWith("Licensed (Expiry: ", guest["license_status"].AsString(), StringComparison.Ordinal);
        Assert.Equal(WindowsDriver, guest["guest_driver_version"].AsString());
        Assert.Equal("00000000-0000-0000-0000-000000000300", guest["mdev_uuid"].AsString());
        var vmConfig = await ctx.Node.ExecCheckedAsync("qm config 300");
        Assert.Contains("ostype: win11", vmConfig, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^tpmstate0: local-lvm:vm-300-disk-[0-9]+,size=4M,version=v2\.0$", vmConfig);

        // the guest really is Windows, the token is readable by SYSTEM and Administrators only, the installer is gone,
        // and the licence was earned from the server (the Windows licensing log says so)
        Assert.Contains("\"id\" : \"mswindows\"", await ctx.Node.ExecCheckedAsync("qm guest cmd 300 get-osinfo"), StringComparison.Ordinal);
        var c = string.Format(System.Globalization.CultureInfo.InvariantCulture, GuestC, 300);
        var token = $"{c}/Program Files/NVIDIA Corporation/vGPU Licensing/ClientConfigToken/client_configuration_token_vgpuiac.tok";
        Assert.Equal("600", (await ctx.Node.ExecCheckedAsync($"stat -c %a '{token}'")).Trim());
        Assert.Equal(server["client_token"].AsString(), (await ctx.Node.ExecCheckedAsync($"cat '{token}'")).Trim());
        Assert.DoesNotContain("Users", await ctx.Node.ExecCheckedAsync("qm guest exec 300 -- icacls.exe 'C:\\Program Files\\NVIDIA Corporation\\vGPU Licensing\\ClientConfigToken\\client_configuration_token_vgpuiac.tok'"), StringComparison.Ordinal);
        Assert.False((await ctx.Node.ExecAsync($"test -e {c}/Windows/Temp/vgpuiac/nvidia-grid-driver.exe")).Succeeded);
        var licensingLog = await ctx.Node.ExecCheckedAsync($"cat {c}/Users/Public/Documents/NvidiaLogging/Log.NVDisplay.Container.exe.log");
        Assert.Matches(@":<1>:License acquired successfully\. \(Info: 127\.0\.0\.1, NVIDIA RTX Virtual Workstation; Expiry: ", licensingLog);
        Assert.DoesNotContain(server["client_token"].AsString(), ctx.Log.All, StringComparison.Ordinal);
        var guestLog = await ctx.Node.ExecCheckedAsync("cut -f5 /var/lib/nodesim/guests/300/root/var/lib/nodesim/commands.log");
        Assert.Contains("certutil.exe -hashfile C:\\\\Windows\\\\Temp\\\\vgpuiac\\\\nvidia-grid-driver.exe SHA256", guestLog, StringComparison.Ordinal);
        Assert.Contains("nvidia-grid-driver.exe -s -noreboot -clean", guestLog, StringComparison.Ordinal);
        Assert.Equal(2, guestLog.Split('\n').Count(l => l.Contains("[IO.File]::Open(", StringComparison.Ordinal) && l.Contains("'Append', 'Write'", StringComparison.Ordinal)));
        Assert.Contains("net.exe start NVDisplay.ContainerLocalSystem", guestLog, StringComparison.Ordinal);
        Assert.DoesNotContain("sh -c", guestLog, StringComparison.Ordinal);
        Assert.DoesNotContain("nouveau", guestLog, StringComparison.Ordinal);

        // a second apply of the whole chain runs no mutating command, neither on the node nor in the guest
        var mark = await ctx.Node.CommandLogMarkAsync();
        var guestMutations = await GuestMutationsAsync(ctx.Node, 300);
        await dls.ApplyAsync(DlsConfig((int)server["dls_port"].AsInt64()), server);
        var (again, _) = await guests.ApplyAsync(config, guest);
        Assert.DoesNotContain(await ctx.Node.ReadCommandLogAsync(mark), e => e.Kind == CommandLogKind.ShimMutate);
        Assert.Equal(guestMutations, await GuestMutationsAsync(ctx.Node, 300));
        Assert.Equal(guest["license_status"], again!["license_status"]);

        // drift: another token is put into the guest by hand; read shows it, apply puts ours back and licenses again
        await ctx.Node.ExecCheckedAsync($"echo other.token.value > '{token}'");
        var read = await guests.ReadAsync(again);
        Assert.Equal("(changed in the guest)", read.NewState!["license_token"].AsString());
        var (repaired, _) = await guests.ApplyAsync(config, read.NewState);
        Assert.StartsWith("Licensed (Expiry: ", repaired!["license_status"].AsString(), StringComparison.Ordinal);
        Assert.Equal(server["client_token"].AsString(), (await ctx.Node.ExecCheckedAsync($"cat '{token}'")).Trim());

        // import reads it back as a Windows guest
        var imported = await guests.ImportAsync($"{NodeContext.NodeName}/300");
        Assert.Empty(imported.Diagnostics);
        Assert.Equal("windows", imported.State!["os"].AsString());
        Assert.Equal(WindowsDriver, imported.State["guest_driver_version"].AsString());
        Assert.StartsWith("Licensed", imported.State["license_status"].AsString(), StringComparison.Ordinal);

        // destroy: the VM, its guest and its mdev are gone
        var deleted = await guests.DeleteAsync(repaired);
        Assert.Empty(deleted.Diagnostics.Where(d => d.IsError));
        Assert.Equal(before, await ctx.Node.ExecCheckedAsync(NodeTree));
    }

    [NodeFact]
    public async Task Windows_guest_with_an_unreachable_licence_server_reports_the_reason_from_the_windows_licensing_log()
    {
        await using var ctx = await NodeContext.StartAsync();
        await HostDriverSetup.InstallAsync(ctx.Node);
        var dls = new ResourceDriver(new DlsLicenseServerResource(), ctx.Context);
        var (server, _) = await dls.ApplyAsync(DlsConfig(LoopbackPorts.Reserve()), null);
        await ctx.Node.ExecCheckedAsync("pct stop 250");

        var (installer, sha) = WriteInstaller();
        var config = WindowsGuest(301, installer, sha, server!["client_token"]).With("license_wait_timeout", Value.String("5s"));
        var (state, diagnostics) = await new ResourceDriver(new GuestResource(), ctx.Context).ApplyAsync(config, null, expectErrors: true);

        var d = Assert.Single(diagnostics, x => x.IsError);
        Assert.Equal("The guest did not become licensed", d.Summary);
        Assert.Equal("license_token", d.Path!.ToString());
        Assert.Contains("cannot reach the licence server", d.Detail, StringComparison.Ordinal);
        Assert.Contains("Log.NVDisplay.Container.exe.log", d.Detail, StringComparison.Ordinal);
        Assert.Matches(@":<1>:Failed to acquire license from 127\.0\.0\.1 \(Info: NVIDIA RTX Virtual Workstation - Error: Failure in connecting to license server", d.Detail);
        // the VM exists, running, and the driver is in; a failed create keeps nothing in state (a tainted state would make
        // the next apply destroy the VM): the next apply finishes that VM from there
        Assert.Null(state);
        Assert.Contains("status: running", await ctx.Node.ExecCheckedAsync("qm status 301"), StringComparison.Ordinal);
        Assert.True((await ctx.Node.ExecAsync($"test -e {string.Format(System.Globalization.CultureInfo.InvariantCulture, GuestC, 301)}/Windows/System32/nvidia-smi.exe")).Succeeded);
    }

    [NodeFact]
    public async Task Windows_guest_downloads_the_driver_itself_and_refuses_one_that_does_not_match_the_checksum()
    {
        await using var ctx = await NodeContext.StartAsync();
        await HostDriverSetup.InstallAsync(ctx.Node);
        var (installer, sha) = WriteInstaller();
        await using var files = new FileServer(await File.ReadAllBytesAsync(installer));
        var guests = new ResourceDriver(new GuestResource(), ctx.Context);
        // a presigned URL: its token must never be in an argument list, neither of qm on the node nor of curl.exe in the guest
        var url = files.Url($"vgpu/{FakeWindowsGuestDriver.FileName(WindowsDriver)}?X-Amz-Signature=presigned-token-303");
        var nodeMark = await ctx.Node.CommandLogMarkAsync();
        var config = WindowsGuest(303, installer, sha, Value.Null).With("guest_driver_source", Value.Null).With("guest_driver_url", Value.String(url));

        // a checksum that does not match: nothing is installed and the downloaded file is deleted
        var wrong = new string('0', 64);
        var (partial, diagnostics) = await guests.ApplyAsync(config.With("guest_driver_sha256", Value.String(wrong)), null, expectErrors: true);
        var d = Assert.Single(diagnostics, x => x.IsError);
        Assert.Equal("Unable to install the guest driver", d.Summary);
        Assert.Equal("guest_driver_sha256", d.Path!.ToString());
        Assert.Contains($"certutil says {sha}", d.Detail, StringComparison.Ordinal);
        var c = string.Format(System.Globalization.CultureInfo.InvariantCulture, GuestC, 303);
        Assert.False((await ctx.Node.ExecAsync($"test -e {c}/Windows/Temp/vgpuiac/nvidia-grid-driver.exe")).Succeeded);
        Assert.False((await ctx.Node.ExecAsync($"test -e {c}/Windows/System32/nvidia-smi.exe")).Succeeded);

        // the right checksum: downloaded inside the guest (curl.exe), checked, installed
        var (state, _) = await guests.ApplyAsync(config, partial);
        Assert.Equal(WindowsDriver, state!["guest_driver_version"].AsString());
        Assert.Equal(2, files.Requests);
        var guestLog = await ctx.Node.ExecCheckedAsync("cut -f5 /var/lib/nodesim/guests/303/root/var/lib/nodesim/commands.log");
        Assert.Equal(2, guestLog.Split('\n').Count(l => l == "curl.exe -fsSL --proto =https,http --create-dirs -o C:\\\\Windows\\\\Temp\\\\vgpuiac\\\\nvidia-grid-driver.exe --config -"));
        Assert.DoesNotContain("presigned-token-303", guestLog, StringComparison.Ordinal);
        var nodeLog = await ctx.Node.ReadCommandLogAsync(nodeMark);
        Assert.Equal(2, nodeLog.Count(e => e.Kind == CommandLogKind.Exec && e.Text.Contains("-- curl.exe", StringComparison.Ordinal) && e.Text.Contains("--pass-stdin 1", StringComparison.Ordinal)));
        Assert.DoesNotContain(nodeLog, e => e.Text.Contains("presigned-token-303", StringComparison.Ordinal));
    }

    [NodeFact]
    public async Task A_windows_os_on_a_linux_guest_is_reported_before_anything_is_installed()
    {
        await using var ctx = await NodeContext.StartAsync();
        await HostDriverSetup.InstallAsync(ctx.Node);
        var (installer, sha) = WriteInstaller();

        // the VM says win11 but a Linux guest answers the agent (e.g. a Linux template cloned under the wrong os)
        await ctx.Node.ExecCheckedAsync("qm create 302 --name vgpu-win11 --ostype l26 --machine q35 --bios ovmf --agent enabled=1 --net0 virtio,bridge=vmbr0 "
            + "--scsihw virtio-scsi-single --scsi0 local-lvm:32,iothread=1 --cpu host --cores 4 --memory 8192 --hostpci0 0000:01:00.0,mdev=nvidia-46,pcie=1 "
            + "&& qm start 302 && qm set 302 --ostype win11 >/dev/null");
        var imported = await new ResourceDriver(new GuestResource(), ctx.Context).ImportAsync($"{NodeContext.NodeName}/302");
        var config = WindowsGuest(302, installer, sha, Value.Null);
        var (_, diagnostics) = await new ResourceDriver(new GuestResource(), ctx.Context).ApplyAsync(config, imported.State, expectErrors: true);

        var d = Assert.Single(diagnostics, x => x.IsError);
        Assert.Equal("Unable to set up the Windows guest", d.Summary);
        Assert.Contains("\"ubuntu\"", d.Detail, StringComparison.Ordinal);
        Assert.Equal("os", d.Path!.ToString());
    }
}
