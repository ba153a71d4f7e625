using System.Security.Cryptography.X509Certificates;
using VgpuIac.Engine.Licensing;
using VgpuIac.Engine.Tests.Support;
using VgpuIac.Engine.Values;
using VgpuIac.NodeSim;

namespace VgpuIac.Engine.Tests.Licensing;

/// <summary>
/// <c>vgpu_dls_license_server</c> converging on a simulated node: a stopped container is not a missing one, key material
/// changes only when asked (and then really signs new tokens), a failed create is recovered by a plain apply, and
/// staged keys never stay on the node.
/// </summary>
public sealed class DlsConvergenceTests
{
    private const string CertDir250 = "/var/lib/lxc/250/rootfs/opt/fastapi-dls/cert";

    private static Value DlsConfig(int port, long vmid = 250, long? keyGeneration = null, string? image = null)
    {
        var v = Value.Object(
            ("node", Value.String(NodeContext.NodeName)),
            ("vmid", Value.Number(vmid)),
            ("ip_address", Value.String("192.0.2.50/24")),
            ("gateway", Value.String("192.0.2.1")),
            ("dls_url", Value.String("127.0.0.1")),
            ("dls_port", Value.Number(port)));
        if (keyGeneration is { } g)
        {
            v = v.With("key_generation", Value.Number(g));
        }

        return image is null ? v : v.With("image", Value.String(image));
    }

    [NodeFact]
    public async Task A_stopped_container_is_read_as_stopped_keeps_its_keys_and_token_and_apply_starts_it()
    {
        await using var ctx = await NodeContext.StartAsync();
        var dls = new ResourceDriver(new DlsLicenseServerResource(), ctx.Context);
        var port = LoopbackPorts.Reserve();
        var config = DlsConfig(port);
        var (state, _) = await dls.ApplyAsync(config, null);
        var files = await DlsNodeFiles.FingerprintAsync(ctx.Node, CertDir250);

        await ctx.Node.ExecCheckedAsync("pct stop 250");
        var read = (await dls.ReadAsync(state!)).NewState;
        Assert.NotNull(read);
        Assert.Equal("stopped", read["status"].AsString());
        foreach (var a in new[] { "client_token", "certificate_pem", "certificate_sha256", "signing_key_sha256", "root_certificate_pem", "image", "dls_url", "dls_port" })
        {
            Assert.Equal(state![a], read[a]);
        }

        var plan = await dls.PlanAsync(config, read);
        Assert.Empty(plan.RequiresReplace);
        Assert.DoesNotContain(plan.Diagnostics, d => d.IsError);
        Assert.Equal("running", plan.Planned!["status"].AsString());
        Assert.Equal(state!["client_token"], plan.Planned["client_token"]);
        Assert.Equal(state["certificate_sha256"], plan.Planned["certificate_sha256"]);

        var (started, _) = await dls.ApplyAsync(config, read);
        Assert.Contains("status: running", await ctx.Node.ExecCheckedAsync("pct status 250"), StringComparison.Ordinal);
        Assert.Equal("running", started!["status"].AsString());
        Assert.Equal(state["certificate_sha256"], started["certificate_sha256"]);
        Assert.Equal(state["signing_key_sha256"], started["signing_key_sha256"]);
        Assert.Equal(state["client_token"], started["client_token"]);
        Assert.Equal(files, await DlsNodeFiles.FingerprintAsync(ctx.Node, CertDir250));
        Assert.Equal(200, await DlsNodeFiles.LeaseAsync(ctx.Node, port, started["client_token"].AsString()));
    }

    [NodeFact]
    public async Task Key_generation_rotates_the_chain_so_new_tokens_have_a_new_signing_key_and_old_tokens_no_longer_lease()
    {
        await using var ctx = await NodeContext.StartAsync();
        var dls = new ResourceDriver(new DlsLicenseServerResource(), ctx.Context);
        var port = LoopbackPorts.Reserve();
        var (first, _) = await dls.ApplyAsync(DlsConfig(port), null);
        var oldToken = first!["client_token"].AsString();
        Assert.Equal(first["signing_key_sha256"].AsString(), DlsNodeFiles.SigningKeyOfToken(oldToken));
        Assert.Equal(200, await DlsNodeFiles.LeaseAsync(ctx.Node, port, oldToken));
        Assert.Equal(first["root_certificate_pem"].AsString().Trim(), (await ctx.Node.ExecCheckedAsync($"curl -sk https://127.0.0.1:{port}/-/config/root-certificate")).Trim());
        Assert.Equal(["auth", "lease"], DlsNodeFiles.ServicesOfToken(oldToken));
        Assert.Equal("1.1", (await ctx.Node.ExecCheckedAsync($"curl -sk --http2 -o /dev/null -w '%{{http_version}}' https://127.0.0.1:{port}/-/health")).Trim());
        AssertChain(first["root_certificate_pem"].AsString(), await ctx.Node.ExecCheckedAsync($"cat {CertDir250}/ca_certificate.pem"), await ctx.Node.ExecCheckedAsync($"cat {CertDir250}/si_certificate.pem"));

        var plan = await dls.PlanAsync(DlsConfig(port, keyGeneration: 1), first);
        Assert.True(plan.Planned!["signing_key_sha256"].IsUnknown);
        Assert.True(plan.Planned["client_token"].IsUnknown);
        Assert.True(plan.Planned["certificate_sha256"].IsUnknown);
        Assert.Contains(plan.Diagnostics, d => d.Summary.Contains("signing keys will be replaced", StringComparison.Ordinal));

        var (rotated, _) = await dls.ApplyAsync(DlsConfig(port, keyGeneration: 1), first);
        var newToken = rotated!["client_token"].AsString();
        Assert.NotEqual(first["signing_key_sha256"], rotated["signing_key_sha256"]);
        Assert.NotEqual(first["certificate_sha256"], rotated["certificate_sha256"]);
        Assert.NotEqual(first["root_certificate_pem"], rotated["root_certificate_pem"]);
        Assert.Equal(rotated["signing_key_sha256"].AsString(), DlsNodeFiles.SigningKeyOfToken(newToken));
        Assert.Equal(401, await DlsNodeFiles.LeaseAsync(ctx.Node, port, oldToken));
        Assert.Equal(200, await DlsNodeFiles.LeaseAsync(ctx.Node, port, newToken));
        Assert.Equal(1, rotated["key_generation"].AsInt64());
        await DlsNodeFiles.AssertKeyModesAsync(ctx.Node, CertDir250, major: 2);

        // after the rotation, nothing more to do
        var again = await dls.PlanAsync(DlsConfig(port, keyGeneration: 1), rotated);
        Assert.Equal(rotated["client_token"], again.Planned!["client_token"]);
        Assert.Equal(rotated["signing_key_sha256"], again.Planned["signing_key_sha256"]);
    }

    [NodeFact]
    public async Task A_failed_create_is_finished_by_a_replacement_and_a_lost_state_by_adoption_without_new_keys()
    {
        await using var ctx = await NodeContext.StartAsync();
        var dls = new ResourceDriver(new DlsLicenseServerResource(), ctx.Context);
        var port = LoopbackPorts.Reserve();
        var config = DlsConfig(port);

        // the container cannot start: the create fails after the LXC exists; the state it returns names it (tainted by the door)
        await ctx.Node.FailNextAsync("^docker run", exitCode: 125, stderr: "docker: Error response from daemon: simulated");
        var (failed, diagnostics) = await dls.ApplyAsync(config, null, expectErrors: true);
        Assert.Contains(diagnostics, d => d.IsError && d.Summary == "Unable to start the licence server");
        Assert.Equal("pve1/lxc/250", failed!["id"].AsString());
        Assert.Empty((await ctx.Node.ExecCheckedAsync("ls -d /run/vgpuiac-dls-staging-* 2>/dev/null; true")).Trim());

        // the replacement of the tainted object: its create plans fine (the door names what it replaces), delete then create
        var replacement = await dls.PlanAsync(config, null, replacing: failed["id"].AsString());
        Assert.DoesNotContain(replacement.Diagnostics, d => d.IsError || d.Summary.Contains("adopted", StringComparison.Ordinal));
        Assert.Empty((await dls.DeleteAsync(failed)).Diagnostics.Where(d => d.IsError));
        var (created, _) = await dls.ApplyAsync(config, null, replacing: failed["id"].AsString());
        Assert.Equal("running", created!["status"].AsString());

        // another state's create at the vmid is refused and changes nothing: the container was handed to the state above
        var files = await DlsNodeFiles.FingerprintAsync(ctx.Node, CertDir250);
        var (refused, refusal) = await dls.ApplyAsync(config, null, expectErrors: true);
        Assert.Null(refused);
        Assert.Contains(refusal, d => d.IsError && d.Detail.Contains("another apply", StringComparison.Ordinal));
        Assert.Equal(files, await DlsNodeFiles.FingerprintAsync(ctx.Node, CertDir250));

        // the provider killed before the state was saved (its creation claim stays on the node): a create adopts the
        // tagged container and keeps its complete keys
        await ctx.Node.ExecCheckedAsync("mkdir -p /var/lib/vgpu-iac/creating && date +%s > /var/lib/vgpu-iac/creating/250");
        var (adopted, adoptDiagnostics) = await dls.ApplyAsync(config, null);
        Assert.Contains(adoptDiagnostics, d => d.Summary.Contains("adopted", StringComparison.Ordinal));
        Assert.Equal(created["certificate_sha256"], adopted!["certificate_sha256"]);
        Assert.Equal(created["signing_key_sha256"], adopted["signing_key_sha256"]);
        Assert.Equal(files, await DlsNodeFiles.FingerprintAsync(ctx.Node, CertDir250));
    }

    [NodeFact]
    public async Task Staged_keys_are_removed_when_their_installation_fails_and_the_next_apply_installs_them()
    {
        await using var ctx = await NodeContext.StartAsync();
        var dls = new ResourceDriver(new DlsLicenseServerResource(), ctx.Context);
        var port = LoopbackPorts.Reserve();
        await ctx.Node.FailNextAsync("^pct push 250 .*si_private_key", exitCode: 1, stderr: "error writing: No space left on device");
        var (failed, diagnostics) = await dls.ApplyAsync(DlsConfig(port), null, expectErrors: true);
        Assert.Contains(diagnostics, d => d.IsError && d.Summary.Contains("key material", StringComparison.Ordinal));
        Assert.Empty((await ctx.Node.ExecCheckedAsync("ls -d /run/vgpuiac-dls-staging-* 2>/dev/null; true")).Trim());
        Assert.False((await ctx.Node.ExecAsync($"test -e {CertDir250}/vgpuiac-keys")).Succeeded, "the marker says the keys are complete");

        // the server never started on a half chain, so it did not make its own (world-readable) one
        Assert.False((await ctx.Node.ExecAsync("pct exec 250 -- docker inspect fastapi-dls")).Succeeded);

        var (fixedState, _) = await dls.ApplyAsync(DlsConfig(port), failed);
        Assert.Equal("running", fixedState!["status"].AsString());
        await DlsNodeFiles.AssertKeyModesAsync(ctx.Node, CertDir250, major: 2);
        Assert.Equal(fixedState["signing_key_sha256"].AsString(), DlsNodeFiles.SigningKeyOfToken(fixedState["client_token"].AsString()));
    }

    [NodeFact]
    public async Task The_server_is_reached_only_over_tls_pinned_to_the_recorded_certificate_not_the_one_the_container_holds()
    {
        await using var ctx = await NodeContext.StartAsync();
        var dls = new ResourceDriver(new DlsLicenseServerResource(), ctx.Context);
        var port = LoopbackPorts.Reserve();
        var (state, _) = await dls.ApplyAsync(DlsConfig(port), null);

        // the certificate is swapped for another one that also names the address (so only the pin can tell)
        await ctx.Node.ExecCheckedAsync(
            "cd /tmp && openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout swap.key -out swap.crt -days 2 2>/dev/null" +
            $" && cp swap.crt {CertDir250}/webserver.crt && cp swap.key {CertDir250}/webserver.key && pct exec 250 -- docker restart fastapi-dls >/dev/null");
        const string IssuedTokens = "pct exec 250 -- docker logs fastapi-dls | grep -c 'client-token.*issued'";
        Assert.Equal("1", (await ctx.Node.ExecCheckedAsync(IssuedTokens)).Trim());
        var (_, diagnostics) = await dls.ApplyAsync(DlsConfig(port), state!.With("client_token", Value.Null), expectErrors: true);
        var error = Assert.Single(diagnostics, d => d.IsError);
        Assert.Contains("other than the pinned one", error.Detail, StringComparison.Ordinal);
        Assert.Contains(state["certificate_sha256"].AsString(), error.Detail, StringComparison.Ordinal);
        Assert.Equal("1", (await ctx.Node.ExecCheckedAsync(IssuedTokens)).Trim());
    }

    [NodeFact]
    public async Task A_pinned_1x_image_gets_the_instance_key_it_reads()
    {
        await using var ctx = await NodeContext.StartAsync();
        var dls = new ResourceDriver(new DlsLicenseServerResource(), ctx.Context);
        var port = LoopbackPorts.Reserve();
        var (state, _) = await dls.ApplyAsync(DlsConfig(port, image: "collinwebdesigns/fastapi-dls:1.5.4"), null);
        Assert.True(state!["root_certificate_pem"].IsNull);
        Assert.Equal(["auth"], DlsNodeFiles.ServicesOfToken(state["client_token"].AsString()));
        Assert.Equal(state["signing_key_sha256"].AsString(), DlsNodeFiles.SigningKeyOfToken(state["client_token"].AsString()));
        Assert.Contains("INSTANCE_KEY_RSA=/app/cert/instance.private.pem", await ctx.Node.ExecCheckedAsync("pct exec 250 -- docker inspect fastapi-dls"), StringComparison.Ordinal);
        await DlsNodeFiles.AssertKeyModesAsync(ctx.Node, CertDir250, major: 1);
        Assert.False((await ctx.Node.ExecAsync($"test -e {CertDir250}/si_private_key.pem")).Succeeded);
        Assert.Equal(200, await DlsNodeFiles.LeaseAsync(ctx.Node, port, state["client_token"].AsString()));

        // 1.x -> 2.x: the chain is made (new signing key, new token), the web server certificate stays
        var (upgraded, _) = await dls.ApplyAsync(DlsConfig(port), state);
        Assert.Equal(state["certificate_sha256"], upgraded!["certificate_sha256"]);
        Assert.NotEqual(state["signing_key_sha256"], upgraded["signing_key_sha256"]);
        Assert.Equal(upgraded["signing_key_sha256"].AsString(), DlsNodeFiles.SigningKeyOfToken(upgraded["client_token"].AsString()));
        Assert.DoesNotContain("INSTANCE_KEY_RSA", await ctx.Node.ExecCheckedAsync("pct exec 250 -- docker inspect fastapi-dls"), StringComparison.Ordinal);
        await DlsNodeFiles.AssertKeyModesAsync(ctx.Node, CertDir250, major: 2);
    }

    [NodeFact]
    public async Task A_change_of_major_version_removes_the_other_versions_key_files_in_both_directions()
    {
        await using var ctx = await NodeContext.StartAsync();
        var dls = new ResourceDriver(new DlsLicenseServerResource(), ctx.Context);
        var port = LoopbackPorts.Reserve();
        const string OneX = "collinwebdesigns/fastapi-dls:1.5.4";
        var (one, _) = await dls.ApplyAsync(DlsConfig(port, image: OneX), null);
        Assert.Equal(new[] { "instance.private.pem", "instance.public.pem" }, await SigningFilesAsync(ctx.Node));

        // 1.x -> 2.x: the plan says the instance key files go; the apply leaves the chain only
        var up = await dls.PlanAsync(DlsConfig(port), one);
        Assert.Contains(up.Diagnostics, d => d.Detail.Contains("The FastAPI-DLS 1.x key files (instance.private.pem, instance.public.pem) are removed", StringComparison.Ordinal));
        var (two, _) = await dls.ApplyAsync(DlsConfig(port), one);
        Assert.Equal(DlsKeyMaterial.ChainFiles.Order(StringComparer.Ordinal).ToArray(), await SigningFilesAsync(ctx.Node));
        Assert.Equal("running", two!["status"].AsString());
        Assert.Equal(200, await DlsNodeFiles.LeaseAsync(ctx.Node, port, two["client_token"].AsString()));

        // 2.x -> 1.x: the chain goes, the instance key pair is made anew
        var down = await dls.PlanAsync(DlsConfig(port, image: OneX), two);
        Assert.Contains(down.Diagnostics, d => d.Detail.Contains("The FastAPI-DLS 2.x key files (root_private_key.pem", StringComparison.Ordinal));
        var (back, _) = await dls.ApplyAsync(DlsConfig(port, image: OneX), two);
        Assert.Equal(new[] { "instance.private.pem", "instance.public.pem" }, await SigningFilesAsync(ctx.Node));
        Assert.True(back!["root_certificate_pem"].IsNull);
        Assert.Equal("running", back["status"].AsString());
        Assert.NotEqual(one!["signing_key_sha256"], back["signing_key_sha256"]);
        Assert.Equal(200, await DlsNodeFiles.LeaseAsync(ctx.Node, port, back["client_token"].AsString()));
        Assert.Equal(401, await DlsNodeFiles.LeaseAsync(ctx.Node, port, two["client_token"].AsString()));

        // files of the other version put back by hand are drift: read shows them, the plan names them, apply removes only them
        await ctx.Node.ExecCheckedAsync($"cp {CertDir250}/webserver.crt {CertDir250}/si_certificate.pem && chmod 644 {CertDir250}/si_certificate.pem");
        var read = (await dls.ReadAsync(back)).NewState!;
        Assert.Equal("other version's key files: si_certificate.pem", read["status"].AsString());
        var plan = await dls.PlanAsync(DlsConfig(port, image: OneX), read);
        Assert.Contains(plan.Diagnostics, d => d.Summary == "Key files of the other FastAPI-DLS version will be removed");
        Assert.Equal(back["client_token"], plan.Planned!["client_token"]);
        var before = await DlsNodeFiles.FingerprintAsync(ctx.Node, CertDir250);
        var (clean, _) = await dls.ApplyAsync(DlsConfig(port, image: OneX), read);
        Assert.Equal("running", clean!["status"].AsString());
        Assert.Equal(string.Join('\n', before.Split('\n').Where(l => !l.EndsWith(" si_certificate.pem", StringComparison.Ordinal))), await DlsNodeFiles.FingerprintAsync(ctx.Node, CertDir250));
        Assert.Equal(back["client_token"], clean["client_token"]);
    }

    [NodeFact]
    public async Task A_hand_made_server_shows_its_0644_keys_as_drift_after_import_and_apply_repairs_the_modes_without_changing_a_key()
    {
        await using var ctx = await NodeContext.StartAsync();
        var dls = new ResourceDriver(new DlsLicenseServerResource(), ctx.Context);
        var port = LoopbackPorts.Reserve();
        await HandMadeDlsServer.MakeAsync(ctx.Node, 251, "127.0.0.1", port);
        var certDir = HandMadeDlsServer.CertDirOnNode(251);
        Assert.Equal("644 root:root", (await ctx.Node.ExecCheckedAsync($"stat -c '%a %U:%G' {certDir}/si_private_key.pem")).Trim());

        var imported = (await dls.ImportAsync($"{NodeContext.NodeName}/lxc/251")).State!;
        var status = imported["status"].AsString();
        Assert.StartsWith("key file modes: ", status, StringComparison.Ordinal);
        foreach (var key in DlsNodeFiles.ChainPrivate)
        {
            Assert.Contains($"{key} 0644 -> 0600", status, StringComparison.Ordinal);
        }

        var config = DlsConfig(port, vmid: 251);
        var plan = await dls.PlanAsync(config, imported);
        Assert.Empty(plan.RequiresReplace);
        Assert.Equal("running", plan.Planned!["status"].AsString());
        Assert.Contains(plan.Diagnostics, d => d.Summary == "Licence server key file modes will be repaired" && d.Detail.Contains("si_private_key.pem 0644 -> 0600", StringComparison.Ordinal));
        foreach (var a in new[] { "certificate_pem", "certificate_sha256", "signing_key_sha256", "root_certificate_pem", "client_token" })
        {
            Assert.Equal(imported[a], plan.Planned[a]);
        }

        var before = await DlsNodeFiles.FingerprintAsync(ctx.Node, certDir);
        var (repaired, _) = await dls.ApplyAsync(config, imported);
        Assert.Equal("running", repaired!["status"].AsString());
        Assert.Equal(before, await DlsNodeFiles.FingerprintAsync(ctx.Node, certDir));
        await DlsNodeFiles.AssertKeyModesAsync(ctx.Node, certDir, major: 2);
        foreach (var a in new[] { "certificate_sha256", "signing_key_sha256", "root_certificate_pem", "client_token" })
        {
            Assert.Equal(imported[a], repaired[a]);
        }

        Assert.Equal(200, await DlsNodeFiles.LeaseAsync(ctx.Node, port, repaired["client_token"].AsString()));

        // repaired: the next plan has nothing to say
        var again = await dls.PlanAsync(config, repaired);
        Assert.DoesNotContain(again.Diagnostics, d => d.Summary.Contains("repaired", StringComparison.Ordinal));
    }

    private static async Task<string[]> SigningFilesAsync(SimulatedNode node)
    {
        var names = await node.ExecCheckedAsync($"cd {CertDir250} && ls");
        string[] signing = [.. DlsKeyMaterial.ChainFiles, .. DlsKeyMaterial.InstanceKeyFiles];
        return [.. names.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(signing.Contains).Order(StringComparer.Ordinal)];
    }

    [NodeFact]
    public async Task On_a_docker_host_the_container_carries_the_label_and_a_hand_made_one_is_refused_with_an_import_hint()
    {
        await using var ctx = await NodeContext.StartAsync();
        var dls = new ResourceDriver(new DlsLicenseServerResource(), ctx.Context);
        var port = LoopbackPorts.Reserve();
        var config = Value.Object(("node", Value.String(NodeContext.NodeName)), ("hosting", Value.String("docker_host")),
            ("dls_url", Value.String("127.0.0.1")), ("dls_port", Value.Number(port)));
        var (state, _) = await dls.ApplyAsync(config, null);
        Assert.Equal("pve1/docker", state!["id"].AsString());
        Assert.Contains("\"vgpuiac.managed\": \"true\"", await ctx.Node.ExecCheckedAsync("docker inspect fastapi-dls"), StringComparison.Ordinal);
        await DlsNodeFiles.AssertKeyModesAsync(ctx.Node, "/opt/fastapi-dls/cert", major: 2);

        // stopped by hand: read says so and keeps the token; apply starts it again with the same keys
        await ctx.Node.ExecCheckedAsync("docker stop fastapi-dls >/dev/null");
        var read = (await dls.ReadAsync(state)).NewState!;
        Assert.Equal("container stopped", read["status"].AsString());
        Assert.Equal(state["client_token"], read["client_token"]);
        var (started, _) = await dls.ApplyAsync(config, read);
        Assert.Equal(state["signing_key_sha256"], started!["signing_key_sha256"]);
        Assert.Equal(state["client_token"], started["client_token"]);

        // a container of the same name made by hand (no label) is a stranger's
        Assert.Empty((await dls.DeleteAsync(started)).Diagnostics.Where(d => d.IsError));
        await ctx.Node.ExecCheckedAsync("docker run -d --name fastapi-dls busybox:1.36 >/dev/null");
        var clash = await dls.PlanAsync(config, null);
        var error = Assert.Single(clash.Diagnostics, d => d.IsError);
        Assert.Equal("pve1/docker", error.Import!.Id);
    }

    private static void AssertChain(string rootPem, string caPem, string siPem)
    {
        using var root = X509Certificate2.CreateFromPem(rootPem);
        using var ca = X509Certificate2.CreateFromPem(caPem);
        using var si = X509Certificate2.CreateFromPem(siPem);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.ExtraStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(si), "the si certificate does not chain to the root: " + string.Join(", ", chain.ChainStatus.Select(s => s.StatusInformation)));
        Assert.Equal(3, chain.ChainElements.Count);
        Assert.Equal("CN=" + DlsLicenseServerSpec.InstanceRef, si.Subject);
    }
}
