using System.Globalization;
using VgpuIac.Engine.Guests;
using VgpuIac.Engine.Licensing;
using VgpuIac.Engine.Tests.Licensing;
using VgpuIac.Engine.Tests.Support;
using VgpuIac.Engine.Values;
using VgpuIac.NodeSim;

namespace VgpuIac.Engine.Tests.Guests;

/// <summary>
/// Windows guests by vGPU branch against the FastAPI-DLS version that serves them, on one simulated node over real SSH:
/// a 17.x driver (553.x) licenses with a 2.x server as before and nothing checks its nvxdapix.dll; an 18.x driver (572.x)
/// gets its token only once the display driver's nvxdapix.dll holds the 2.x server's root certificate (VgpuIac checks,
/// read-only, and refuses with what to do); a 1.x server cannot license an 18.x driver at all.
/// </summary>
public sealed class WindowsGuestLicenceBranchTests
{
    private const string Token = "/var/lib/nodesim/guests/{0}/root/c/Program Files/NVIDIA Corporation/vGPU Licensing/ClientConfigToken/client_configuration_token_vgpuiac.tok";

    private static Value DlsConfig(int port, long vmid = 250, string? image = null)
    {
        var config = Value.Object(
            ("node", Value.String(NodeContext.NodeName)),
            ("vmid", Value.Number(vmid)),
            ("ip_address", Value.String("192.0.2.50/24")),
            ("gateway", Value.String("192.0.2.1")),
            ("dls_url", Value.String("127.0.0.1")),
            ("dls_port", Value.Number(port)));
        return image is null ? config : config.With("image", Value.String(image));
    }

    private static (Value Config, string Sha) WindowsGuest(long vmid, string driver, Value token)
    {
        var dir = Directory.CreateTempSubdirectory("vgpuiac-wbranch-");
        var installer = Path.Combine(dir.FullName, FakeWindowsGuestDriver.FileName(driver));
        var sha = FakeWindowsGuestDriver.Write(installer, driver);
        return (Value.Object(
            ("node", Value.String(NodeContext.NodeName)),
            ("vmid", Value.Number(vmid)),
            ("name", Value.String("vgpu-win")),
            ("os", Value.String("windows")),
            ("mdev_type_name", Value.String("GRID P40-1Q")),
            ("guest_driver_source", Value.String(installer)),
            ("guest_driver_sha256", Value.String(sha)),
            ("license_wait_timeout", Value.String("20s")),
            ("license_token", token)), sha);
    }

    private static string TokenPath(long vmid) => string.Format(CultureInfo.InvariantCulture, Token, vmid);

    private static Task<string> GuestCommandsAsync(SimulatedNode node, long vmid) =>
        node.ExecCheckedAsync($"cut -f5 /var/lib/nodesim/guests/{vmid}/root/var/lib/nodesim/commands.log");

    [NodeFact]
    public async Task A_17x_windows_guest_licenses_with_a_2x_server_and_nothing_checks_its_nvxdapix_dll()
    {
        await using var ctx = await NodeContext.StartAsync();
        await HostDriverSetup.InstallAsync(ctx.Node);
        var dls = new ResourceDriver(new DlsLicenseServerResource(), ctx.Context);
        var (server, _) = await dls.ApplyAsync(DlsConfig(LoopbackPorts.Reserve()), null);
        var guests = new ResourceDriver(new GuestResource(), ctx.Context);
        var (config, _) = WindowsGuest(310, "553.74", server!["client_token"]);

        var plan = await guests.PlanAsync(config, null);
        Assert.DoesNotContain(plan.Diagnostics, d => d.Summary.StartsWith("vGPU 18.x+ guest", StringComparison.Ordinal));
        var (guest, diagnostics) = await guests.ApplyAsync(config, null);
        Assert.DoesNotContain(diagnostics, d => d.IsError);
        Assert.StartsWith("Licensed (Expiry: ", guest!["license_status"].AsString(), StringComparison.Ordinal);
        Assert.Equal("553.74", guest["guest_driver_version"].AsString());
        Assert.Equal(server["client_token"].AsString(), (await ctx.Node.ExecCheckedAsync($"cat '{TokenPath(310)}'")).Trim());
        var commands = await GuestCommandsAsync(ctx.Node, 310);
        Assert.DoesNotContain("root-certificate", commands, StringComparison.Ordinal);
        Assert.DoesNotContain("Win32_VideoController", commands, StringComparison.Ordinal);
    }

    [NodeFact]
    public async Task An_18x_windows_guest_gets_its_token_only_once_its_nvxdapix_dll_holds_the_2x_servers_root_certificate()
    {
        await using var ctx = await NodeContext.StartAsync();
        await HostDriverSetup.InstallAsync(ctx.Node);
        var dls = new ResourceDriver(new DlsLicenseServerResource(), ctx.Context);
        var port = LoopbackPorts.Reserve();
        var (server, _) = await dls.ApplyAsync(DlsConfig(port), null);
        var guests = new ResourceDriver(new GuestResource(), ctx.Context);
        var (config, _) = WindowsGuest(311, "572.83", server!["client_token"]);

        // the plan says the apply checks nvxdapix.dll first
        var plan = await guests.PlanAsync(config, null);
        Assert.Contains(plan.Diagnostics, d => !d.IsError && d.Summary == "vGPU 18.x+ guest: nvxdapix.dll is checked before the token is installed"
            && d.Detail.Contains("Windows guest driver 572.83 (vGPU 18.x)", StringComparison.Ordinal));

        // unpatched: the driver is installed, the token is not; the error names the guest, the node, the branch, the server,
        // the DLL of the active display driver and what to do
        var (failed, diagnostics) = await guests.ApplyAsync(config, null, expectErrors: true);
        var error = Assert.Single(diagnostics, d => d.IsError);
        Assert.Equal("The guest's nvxdapix.dll does not trust the licence server", error.Summary);
        foreach (var part in new[]
                 {
                     "\"vgpu-win\" (VM 311 on node \"pve1\")", "Windows guest driver 572.83 (vGPU 18.x)", $"(127.0.0.1:{port}) is FastAPI-DLS 2.x",
                     @"C:\Windows\System32\DriverStore\FileRepository\nvgridsw.inf_amd64_", "gridd-unlock-patcher -g nvxdapix.dll -c root.pem",
                     "windows-replace-nvxdapix.ps1", "The token was not installed",
                 })
        {
            Assert.Contains(part, error.Detail, StringComparison.Ordinal);
        }

        Assert.Equal("license_token", error.Path!.ToString());
        Assert.False((await ctx.Node.ExecAsync($"test -e '{TokenPath(311)}'")).Succeeded);
        var commands = await GuestCommandsAsync(ctx.Node, 311);
        Assert.DoesNotContain("NVDisplay.ContainerLocalSystem", commands, StringComparison.Ordinal);
        Assert.Contains(commands.Split('\n'), l => l.StartsWith("curl.exe -sk ", StringComparison.Ordinal) && l.EndsWith($"https://127.0.0.1:{port}/-/config/root-certificate", StringComparison.Ordinal));

        // the check itself changes nothing in the guest: a second refused apply makes no guest mutation
        var mutations = CountMutations(await ctx.Node.ExecCheckedAsync("cat /var/lib/nodesim/guests/311/root/var/lib/nodesim/commands.log"));
        var (_, again) = await guests.ApplyAsync(config, failed, expectErrors: true);
        Assert.Contains(again, d => d.IsError && d.Summary == "The guest's nvxdapix.dll does not trust the licence server");
        Assert.Equal(mutations, CountMutations(await ctx.Node.ExecCheckedAsync("cat /var/lib/nodesim/guests/311/root/var/lib/nodesim/commands.log")));

        // patched the way gridd-unlock-patcher does it (the server's root PEM written into the DLL): a plain apply licenses
        var dll = (await ctx.Node.ExecCheckedAsync("ls -d /var/lib/nodesim/guests/311/root/c/Windows/System32/DriverStore/FileRepository/nvgridsw.inf_amd64_*/nvxdapix.dll")).Trim();
        await ctx.Node.ExecAsync($"cat >> {dll}", standardInput: server["root_certificate_pem"].AsString());
        var (guest, _) = await guests.ApplyAsync(config, failed);
        Assert.StartsWith("Licensed (Expiry: ", guest!["license_status"].AsString(), StringComparison.Ordinal);
        Assert.Equal("600", (await ctx.Node.ExecCheckedAsync($"stat -c %a '{TokenPath(311)}'")).Trim());

        // key_generation gives the server a new root: the guest's next token is refused until nvxdapix.dll is patched again
        var (rotated, _) = await dls.ApplyAsync(DlsConfig(port).With("key_generation", Value.Number(1)), server);
        Assert.NotEqual(server["root_certificate_pem"], rotated!["root_certificate_pem"]);
        var (_, refused) = await guests.ApplyAsync(config.With("license_token", rotated["client_token"]), guest, expectErrors: true);
        Assert.Contains(refused, d => d.IsError && d.Summary == "The guest's nvxdapix.dll does not trust the licence server");
        Assert.Equal(server["client_token"].AsString(), (await ctx.Node.ExecCheckedAsync($"cat '{TokenPath(311)}'")).Trim());
    }

    [NodeFact]
    public async Task An_18x_windows_guest_gets_no_token_of_a_1x_server()
    {
        await using var ctx = await NodeContext.StartAsync();
        await HostDriverSetup.InstallAsync(ctx.Node);
        var dls = new ResourceDriver(new DlsLicenseServerResource(), ctx.Context);
        var port = LoopbackPorts.Reserve();
        var (server, _) = await dls.ApplyAsync(DlsConfig(port, image: "collinwebdesigns/fastapi-dls:1.5.4"), null);
        var (config, _) = WindowsGuest(312, "572.83", server!["client_token"]);

        var (_, diagnostics) = await new ResourceDriver(new GuestResource(), ctx.Context).ApplyAsync(config, null, expectErrors: true);
        var error = Assert.Single(diagnostics, d => d.IsError);
        Assert.Equal("The licence server cannot license this guest driver", error.Summary);
        Assert.Contains($"(127.0.0.1:{port}) is FastAPI-DLS 1.x, which licenses guest drivers up to vGPU 17.x only", error.Detail, StringComparison.Ordinal);
        Assert.Contains("\"vgpu-win\" (VM 312 on node \"pve1\") has Windows guest driver 572.83 (vGPU 18.x)", error.Detail, StringComparison.Ordinal);
        Assert.Contains("patch the guest's nvxdapix.dll", error.Detail, StringComparison.Ordinal);
        Assert.False((await ctx.Node.ExecAsync($"test -e '{TokenPath(312)}'")).Succeeded);
    }

    [Fact]
    public void Windows_driver_branches_from_572_need_a_patched_nvxdapix_dll()
    {
        Assert.False(GriddTrust.NeedsPatchedGridd("553.74"));
        Assert.False(GriddTrust.NeedsPatchedGridd("539.19"));
        Assert.True(GriddTrust.NeedsPatchedGridd("572.83"));
        Assert.Equal("18.x", GriddTrust.Release("573.39"));
        Assert.Equal("19.x", GriddTrust.Release("580.88"));
        Assert.Equal("20.x", GriddTrust.Release("596.36"));
    }

    private static int CountMutations(string log) => log.Split('\n').Count(l => l.Contains("\tshim-m\t", StringComparison.Ordinal));
}
