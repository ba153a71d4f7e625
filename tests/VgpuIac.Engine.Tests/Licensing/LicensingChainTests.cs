using VgpuIac.Engine.Guests;
using VgpuIac.Engine.Licensing;
using VgpuIac.Engine.Tests.Support;
using VgpuIac.Engine.Values;
using VgpuIac.NodeSim;

namespace VgpuIac.Engine.Tests.Licensing;

/// <summary>
/// The chain users want, on one simulated node over real SSH: a licence server in an LXC (Docker inside, HTTPS with the
/// certificate VgpuIac made), then a vGPU guest whose driver is installed through the agent and whose nvidia-gridd
/// earns "Licensed" from that server with the token VgpuIac fetched over pinned TLS.
/// </summary>
public sealed class LicensingChainTests
{
    private static Value DlsConfig(int port, long vmid = 250) => Value.Object(
        ("node", Value.String(NodeContext.NodeName)),
        ("vmid", Value.Number(vmid)),
        ("ip_address", Value.String("192.0.2.50/24")),
        ("gateway", Value.String("192.0.2.1")),
        ("dls_url", Value.String("127.0.0.1")),
        ("dls_port", Value.Number(port)));

    [NodeFact]
    public async Task Licence_server_in_lxc_is_created_idempotent_repaired_imported_and_deleted()
    {
        await using var ctx = await NodeContext.StartAsync();
        var dls = new ResourceDriver(new DlsLicenseServerResource(), ctx.Context);
        var port = LoopbackPorts.Reserve();
        var config = DlsConfig(port);

        var (state, _) = await dls.ApplyAsync(config, null);
        Assert.NotNull(state);
        Assert.Equal($"https://127.0.0.1:{port}", state["url"].AsString());
        var token = state["client_token"].AsString();
        Assert.Equal(3, token.Split('.').Length);
        Assert.True(state["client_token"].IsSensitive);
        Assert.Matches("^[0-9a-f]{64}$", state["certificate_sha256"].AsString());
        Assert.DoesNotContain(token, ctx.Log.All, StringComparison.Ordinal);
        Assert.Contains("unprivileged: 1", await ctx.Node.ExecCheckedAsync("cat /etc/pve/lxc/250.conf"), StringComparison.Ordinal);
        Assert.Contains("features: nesting=1,keyctl=1", await ctx.Node.ExecCheckedAsync("cat /etc/pve/lxc/250.conf"), StringComparison.Ordinal);
        await DlsNodeFiles.AssertKeyModesAsync(ctx.Node, "/var/lib/lxc/250/rootfs/opt/fastapi-dls/cert", major: 2);
        Assert.Contains("tags: vgpuiac", await ctx.Node.ExecCheckedAsync("cat /etc/pve/lxc/250.conf"), StringComparison.Ordinal);
        Assert.Equal("running", state["status"].AsString());

        // nothing to do: the plan keeps every value and a second apply changes nothing on the node
        var plan = await dls.PlanAsync(config, state);
        Assert.Empty(plan.RequiresReplace);
        Assert.Equal(state["client_token"], plan.Planned!["client_token"]);
        var mark = await ctx.Node.CommandLogMarkAsync();
        var (again, _) = await dls.ApplyAsync(config, state);
        var log = await ctx.Node.ReadCommandLogAsync(mark);
        Assert.DoesNotContain(log, e => e.Kind == CommandLogKind.ShimMutate);
        Assert.Equal(token, again!["client_token"].AsString());

        // drift: the container was stopped by hand; read shows it, apply repairs it
        await ctx.Node.ExecCheckedAsync("pct exec 250 -- docker stop fastapi-dls >/dev/null");
        var read = await dls.ReadAsync(again);
        Assert.Equal("container stopped", read.NewState!["status"].AsString());
        Assert.Equal(token, read.NewState["client_token"].AsString());
        var (repaired, _) = await dls.ApplyAsync(config, read.NewState);
        Assert.Equal(DlsLicenseServerDefinition.DefaultImage, repaired!["image"].AsString());
        Assert.Equal("running", repaired["status"].AsString());
        Assert.Equal(state["certificate_sha256"], repaired["certificate_sha256"]);
        Assert.Equal(state["signing_key_sha256"], repaired["signing_key_sha256"]);

        // import finds the same server
        var imported = await dls.ImportAsync($"{NodeContext.NodeName}/lxc/250");
        Assert.Empty(imported.Diagnostics);
        Assert.Equal("127.0.0.1", imported.State!["dls_url"].AsString());
        Assert.Equal(repaired["certificate_sha256"], imported.State["certificate_sha256"]);

        // delete removes the container and the LXC it created; reading then says "gone"
        var deleted = await dls.DeleteAsync(repaired);
        Assert.Empty(deleted.Diagnostics.Where(d => d.IsError));
        Assert.False((await ctx.Node.ExecAsync("test -e /etc/pve/lxc/250.conf")).Succeeded);
        Assert.Null((await dls.ReadAsync(repaired)).NewState);
    }

    [NodeFact]
    public async Task Changing_the_port_plans_new_tokens_and_a_taken_vmid_fails_at_plan_time()
    {
        await using var ctx = await NodeContext.StartAsync();
        var dls = new ResourceDriver(new DlsLicenseServerResource(), ctx.Context);
        var (state, _) = await dls.ApplyAsync(DlsConfig(LoopbackPorts.Reserve()), null);

        var moved = await dls.PlanAsync(DlsConfig(LoopbackPorts.Reserve()), state);
        Assert.True(moved.Planned!["client_token"].IsUnknown);
        Assert.Contains(moved.Diagnostics, d => d.Summary.Contains("tokens will be replaced", StringComparison.Ordinal));

        // the same vmid from another state: ours (tagged) but handed to the state that made it, so it is refused, with an
        // import hint; only a container a create left unfinished (its creation claim still on the node) is adopted
        var other = await dls.PlanAsync(DlsConfig(LoopbackPorts.Reserve()), null);
        var taken = Assert.Single(other.Diagnostics, d => d.IsError);
        Assert.Contains("created by another apply that keeps it in its own state", taken.Detail, StringComparison.Ordinal);
        Assert.Equal("pve1/lxc/250", taken.Import!.Id);
        await ctx.Node.ExecCheckedAsync("mkdir -p /var/lib/vgpu-iac/creating && date +%s > /var/lib/vgpu-iac/creating/250");
        var adopt = await dls.PlanAsync(DlsConfig(LoopbackPorts.Reserve()), null);
        Assert.DoesNotContain(adopt.Diagnostics, d => d.IsError);
        Assert.Contains(adopt.Diagnostics, d => d.Summary.Contains("adopted", StringComparison.Ordinal));

        // a container made by hand (no tag) at the vmid is refused, with an import hint
        await ctx.Node.ExecCheckedAsync("pct create 260 local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst --hostname other >/dev/null");
        var clash = await dls.PlanAsync(DlsConfig(LoopbackPorts.Reserve(), vmid: 260), null);
        var error = Assert.Single(clash.Diagnostics, d => d.IsError);
        Assert.Equal("vmid", error.Path!.ToString());
        Assert.Contains("already exists", error.Detail, StringComparison.Ordinal);
        Assert.Equal("pve1/lxc/260", error.Import!.Id);
    }

    [NodeFact]
    public async Task A_hostile_dls_url_is_rejected_before_anything_runs()
    {
        var diagnostics = new DlsLicenseServerResource().Validate(new ResourceDriver(new DlsLicenseServerResource(), null!).Fill(
            DlsConfig(443).With("dls_url", Value.String("$(reboot)")).With("image", Value.String("collinwebdesigns/fastapi-dls:latest")))).ToList();
        Assert.Contains(diagnostics, d => d.Path!.ToString() == "dls_url");
        Assert.Contains(diagnostics, d => d.Path!.ToString() == "image" && d.Detail.Contains("not pinned", StringComparison.Ordinal));
        await Task.CompletedTask;
    }

    [NodeFact]
    public async Task Linux_guest_gets_driver_and_licence_from_the_licence_server()
    {
        await using var ctx = await NodeContext.StartAsync();
        await HostDriverSetup.InstallAsync(ctx.Node);
        var dls = new ResourceDriver(new DlsLicenseServerResource(), ctx.Context);
        var (server, _) = await dls.ApplyAsync(DlsConfig(LoopbackPorts.Reserve()), null);

        var dir = Directory.CreateTempSubdirectory("vgpuiac-guest-");
        var installer = Path.Combine(dir.FullName, FakeGuestDriver.FileName("535.129.03"));
        var sha = FakeGuestDriver.Write(installer, "535.129.03", sizeBytes: 5 * 512 * 1024); // > 1 MiB: copied into the guest in pieces
        var guests = new ResourceDriver(new GuestResource(), ctx.Context);
        var config = Value.Object(
            ("node", Value.String(NodeContext.NodeName)),
            ("vmid", Value.Number(200)),
            ("name", Value.String("vgpu-ubuntu")),
            ("mdev_type_name", Value.String("GRID P40-1Q")),
            ("guest_driver_source", Value.String(installer)),
            ("guest_driver_sha256", Value.String(sha)),
            ("host_driver_version", Value.String(HostDriverSetup.Version)),
            ("license_token", server!["client_token"]));

        var (guest, _) = await guests.ApplyAsync(config, null);
        Assert.NotNull(guest);
        Assert.Equal("nvidia-46", guest["mdev_type"].AsString());
        Assert.StartsWith("Licensed (Expiry: ", guest["license_status"].AsString(), StringComparison.Ordinal);
        Assert.Equal("535.129.03", guest["guest_driver_version"].AsString());
        Assert.Equal("00000000-0000-0000-0000-000000000200", guest["mdev_uuid"].AsString());
        var vmConf = await ctx.Node.ExecCheckedAsync("qm config 200");
        Assert.Contains("hostpci0: 0000:01:00.0,mdev=nvidia-46,pcie=1", vmConf, StringComparison.Ordinal);
        Assert.Contains("23", await ctx.Node.ExecCheckedAsync("cat /sys/bus/pci/devices/0000:01:00.0/mdev_supported_types/nvidia-46/available_instances"), StringComparison.Ordinal);
        var tokenMode = await ctx.Node.ExecCheckedAsync("stat -c %a /var/lib/nodesim/guests/200/root/etc/nvidia/ClientConfigToken/client_configuration_token_vgpuiac.tok");
        Assert.Equal("600", tokenMode.Trim());
        Assert.DoesNotContain(server["client_token"].AsString(), ctx.Log.All, StringComparison.Ordinal);

        // a second apply of the whole chain runs no mutating command on the node
        var mark = await ctx.Node.CommandLogMarkAsync();
        await dls.ApplyAsync(DlsConfig((int)server["dls_port"].AsInt64()), server);
        await guests.ApplyAsync(config, guest);
        Assert.DoesNotContain(await ctx.Node.ReadCommandLogAsync(mark), e => e.Kind == CommandLogKind.ShimMutate);

        // delete the guest: the mdev instance is free again
        await guests.DeleteAsync(guest);
        Assert.Contains("24", await ctx.Node.ExecCheckedAsync("cat /sys/bus/pci/devices/0000:01:00.0/mdev_supported_types/nvidia-46/available_instances"), StringComparison.Ordinal);
        Assert.False((await ctx.Node.ExecAsync("test -e /etc/pve/qemu-server/200.conf")).Succeeded);
    }

    [NodeFact]
    public async Task An_18x_guest_gets_its_token_only_once_its_nvidia_gridd_holds_the_2x_servers_root_certificate()
    {
        await using var ctx = await NodeContext.StartAsync();
        await HostDriverSetup.InstallAsync(ctx.Node);
        var dls = new ResourceDriver(new DlsLicenseServerResource(), ctx.Context);
        var port = LoopbackPorts.Reserve();
        var (server, _) = await dls.ApplyAsync(DlsConfig(port), null);

        var dir = Directory.CreateTempSubdirectory("vgpuiac-guest-");
        var installer = Path.Combine(dir.FullName, FakeGuestDriver.FileName("570.124.06"));
        var sha = FakeGuestDriver.Write(installer, "570.124.06");
        var guests = new ResourceDriver(new GuestResource(), ctx.Context);
        Value Config(Value token) => Value.Object(
            ("node", Value.String(NodeContext.NodeName)),
            ("vmid", Value.Number(200)),
            ("name", Value.String("vgpu-r570")),
            ("mdev_type_name", Value.String("GRID P40-1Q")),
            ("guest_driver_source", Value.String(installer)),
            ("guest_driver_sha256", Value.String(sha)),
            ("license_wait_timeout", Value.String("20s")),
            ("license_token", token));

        // the plan says the apply checks nvidia-gridd first
        var plan = await guests.PlanAsync(Config(server!["client_token"]), null);
        Assert.Contains(plan.Diagnostics, d => !d.IsError && d.Summary.StartsWith("vGPU 18.x+ guest", StringComparison.Ordinal) && d.Detail.Contains("570.124.06", StringComparison.Ordinal));

        // unpatched: the driver is installed, the token is not, and the error says which guest, which branch, which server, what to do
        var (failed, diagnostics) = await guests.ApplyAsync(Config(server["client_token"]), null, expectErrors: true);
        var error = Assert.Single(diagnostics, d => d.IsError);
        Assert.Equal("The guest's nvidia-gridd does not trust the licence server", error.Summary);
        foreach (var part in new[] { "\"vgpu-r570\" (VM 200)", "guest driver 570.124.06 (vGPU 18.x)", $"(127.0.0.1:{port}) is FastAPI-DLS 2.x", "gridd-unlock-patcher -g /opt/guestsim/bin/nvidia-gridd -c root.pem" })
        {
            Assert.Contains(part, error.Detail, StringComparison.Ordinal);
        }

        Assert.Equal("license_token", error.Path!.ToString());
        const string Token = "/var/lib/nodesim/guests/200/root/etc/nvidia/ClientConfigToken/client_configuration_token_vgpuiac.tok";
        const string Gridd = "/var/lib/nodesim/guests/200/root/opt/guestsim/bin/nvidia-gridd";
        Assert.False((await ctx.Node.ExecAsync($"test -e {Token}")).Succeeded);
        Assert.Equal("570.124.06", (await ctx.Node.ExecCheckedAsync("cat /var/lib/nodesim/guests/200/root/var/lib/nodesim/guest/driver_version")).Trim());

        // patched the way gridd-unlock-patcher does it (the server's root PEM written into the binary): a plain apply licenses
        await ctx.Node.ExecAsync($"sed 's/^/# /' >> {Gridd}", standardInput: server["root_certificate_pem"].AsString());
        var (guest, _) = await guests.ApplyAsync(Config(server["client_token"]), failed);
        Assert.StartsWith("Licensed (Expiry: ", guest!["license_status"].AsString(), StringComparison.Ordinal);
        Assert.Equal("600", (await ctx.Node.ExecCheckedAsync($"stat -c %a {Token}")).Trim());

        // key_generation gives the server a new root: the guest's next token is refused until nvidia-gridd is patched again
        var (rotated, _) = await dls.ApplyAsync(DlsConfig(port).With("key_generation", Value.Number(1)), server);
        Assert.NotEqual(server["root_certificate_pem"], rotated!["root_certificate_pem"]);
        var (_, again) = await guests.ApplyAsync(Config(rotated["client_token"]), guest, expectErrors: true);
        Assert.Contains(again, d => d.IsError && d.Summary == "The guest's nvidia-gridd does not trust the licence server");
    }

    [Fact]
    public void The_token_names_its_server_and_driver_branches_from_570_need_a_patched_gridd()
    {
        var token = "eyJhbGciOiJSUzI1NiJ9." + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(
            """{"service_instance_configuration":{"svc_port_set_list":[{"idx":0,"svc_port_map":[{"service":"auth","port":8443},{"service":"lease","port":8443}]}],"node_url_list":[{"idx":0,"url":"dls.example.org"}]}}"""))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_') + ".c2ln";
        Assert.Equal(("dls.example.org", 8443), GriddTrust.TokenServer(token));
        Assert.Null(GriddTrust.TokenServer("not a token"));
        Assert.Null(GriddTrust.TokenServer("a.e30.c"));
        Assert.False(GriddTrust.NeedsPatchedGridd("550.144.03"));
        Assert.False(GriddTrust.NeedsPatchedGridd(null));
        Assert.True(GriddTrust.NeedsPatchedGridd("570.124.06"));
        Assert.Equal("18.x", GriddTrust.Release("570.124.06"));
        Assert.Equal("19.x", GriddTrust.Release("580.65.06"));
    }
}
