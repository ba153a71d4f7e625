using VgpuIac.Engine.Licensing;
using VgpuIac.Engine.Tests.Support;
using VgpuIac.Engine.Values;
using VgpuIac.NodeSim;

namespace VgpuIac.Engine.Tests.Licensing;

/// <summary>
/// A hand-made licence server whose certificates are not in VgpuIac's folder: import, repair and rotation work in the
/// host folder the container really mounts at its cert path (<c>/app/cert</c>, or <c>CERT_PATH</c>), read from
/// <c>docker inspect</c>; a container that keeps its keys in its own writable layer is not taken over.
/// </summary>
public sealed class DlsCertLocationTests
{
    private const string SrvCert = "/srv/dls/cert";

    private static Value DlsConfig(int port, long vmid) => Value.Object(
        ("node", Value.String(NodeContext.NodeName)),
        ("vmid", Value.Number(vmid)),
        ("ip_address", Value.String("192.0.2.50/24")),
        ("gateway", Value.String("192.0.2.1")),
        ("dls_url", Value.String("127.0.0.1")),
        ("dls_port", Value.Number(port)));

    [NodeFact]
    public async Task A_hand_made_server_with_its_certs_in_another_folder_is_imported_repaired_and_rotated_there()
    {
        await using var ctx = await NodeContext.StartAsync();
        var dls = new ResourceDriver(new DlsLicenseServerResource(), ctx.Context);
        var port = LoopbackPorts.Reserve();
        // the folder is mounted at /certs and FastAPI-DLS told so with CERT_PATH
        await HandMadeDlsServer.MakeAsync(ctx.Node, 252, "127.0.0.1", port, certDir: SrvCert, containerCertPath: "/certs");
        var certDir = HandMadeDlsServer.CertDirOnNode(252, SrvCert);
        var defaultDir = HandMadeDlsServer.CertDirOnNode(252);
        Assert.Equal("644 root:root", (await ctx.Node.ExecCheckedAsync($"stat -c '%a %U:%G' {certDir}/si_private_key.pem")).Trim());

        // import reads the key facts and modes where they are
        var imported = (await dls.ImportAsync($"{NodeContext.NodeName}/lxc/252")).State!;
        var webCrt = await ctx.Node.ExecCheckedAsync($"cat {certDir}/webserver.crt");
        Assert.Equal(DlsKeyMaterial.CertificateSha256(webCrt), imported["certificate_sha256"].AsString());
        Assert.Equal(DlsNodeFiles.SigningKeyOfToken(imported["client_token"].AsString()), imported["signing_key_sha256"].AsString());
        Assert.Equal((await ctx.Node.ExecCheckedAsync($"cat {certDir}/root_certificate.pem")).Trim(), imported["root_certificate_pem"].AsString().Trim());
        var status = imported["status"].AsString();
        Assert.StartsWith("key file modes: ", status, StringComparison.Ordinal);
        foreach (var key in DlsNodeFiles.ChainPrivate)
        {
            Assert.Contains($"{key} 0644 -> 0600", status, StringComparison.Ordinal);
        }

        // the next plan shows only the real drift (the modes), no key change
        var config = DlsConfig(port, 252);
        var plan = await dls.PlanAsync(config, imported);
        Assert.Empty(plan.RequiresReplace);
        Assert.Equal(["Licence server key file modes will be repaired"], plan.Diagnostics.Select(d => d.Summary).Where(s => !s.StartsWith("Image pinned", StringComparison.Ordinal)));
        foreach (var a in new[] { "certificate_pem", "certificate_sha256", "signing_key_sha256", "root_certificate_pem", "client_token" })
        {
            Assert.Equal(imported[a], plan.Planned![a]);
        }

        // apply repairs the modes in that folder, changes no key, and keeps the container on that folder
        var before = await DlsNodeFiles.FingerprintAsync(ctx.Node, certDir);
        var (repaired, _) = await dls.ApplyAsync(config, imported);
        Assert.Equal("running", repaired!["status"].AsString());
        Assert.Equal(before, await DlsNodeFiles.FingerprintAsync(ctx.Node, certDir));
        await DlsNodeFiles.AssertKeyModesAsync(ctx.Node, certDir, major: 2);
        Assert.Equal(imported["client_token"], repaired["client_token"]);
        Assert.Equal(200, await DlsNodeFiles.LeaseAsync(ctx.Node, port, repaired["client_token"].AsString()));
        Assert.False((await ctx.Node.ExecAsync($"test -e {defaultDir}")).Succeeded);
        Assert.Contains($"\"Source\": \"{SrvCert}\"", await ctx.Node.ExecCheckedAsync("pct exec 252 -- docker inspect fastapi-dls"), StringComparison.Ordinal);
        Assert.DoesNotContain((await dls.PlanAsync(config, repaired)).Diagnostics, d => d.Summary.Contains("will be", StringComparison.Ordinal));

        // rotation writes the new chain into that folder; the new token is signed by the new key, the old one no longer leases
        var (rotated, _) = await dls.ApplyAsync(config.With("key_generation", Value.Number(1)), repaired);
        Assert.NotEqual(repaired["signing_key_sha256"], rotated!["signing_key_sha256"]);
        Assert.Equal(rotated["signing_key_sha256"].AsString(), DlsNodeFiles.SigningKeyOfToken(rotated["client_token"].AsString()));
        Assert.NotEqual(before, await DlsNodeFiles.FingerprintAsync(ctx.Node, certDir));
        Assert.Equal((await ctx.Node.ExecCheckedAsync($"cat {certDir}/root_certificate.pem")).Trim(), rotated["root_certificate_pem"].AsString().Trim());
        await DlsNodeFiles.AssertKeyModesAsync(ctx.Node, certDir, major: 2);
        Assert.Equal(200, await DlsNodeFiles.LeaseAsync(ctx.Node, port, rotated["client_token"].AsString()));
        Assert.NotEqual(200, await DlsNodeFiles.LeaseAsync(ctx.Node, port, repaired["client_token"].AsString()));
        Assert.False((await ctx.Node.ExecAsync($"test -e {defaultDir}")).Succeeded);
        Assert.Equal(string.Empty, (await ctx.Node.ExecCheckedAsync("ls -d /run/vgpuiac-dls-staging-* 2>/dev/null; true")).Trim());
        Assert.Empty((await dls.PlanAsync(config.With("key_generation", Value.Number(1)), rotated)).Diagnostics.Where(d => !d.Summary.StartsWith("Image pinned", StringComparison.Ordinal)));
    }

    [NodeFact]
    public async Task A_hand_made_server_that_keeps_its_keys_in_the_containers_writable_layer_is_not_imported()
    {
        await using var ctx = await NodeContext.StartAsync();
        var dls = new ResourceDriver(new DlsLicenseServerResource(), ctx.Context);
        var port = LoopbackPorts.Reserve();
        await HandMadeDlsServer.MakeAsync(ctx.Node, 253, "127.0.0.1", port, mountCerts: false);
        var layer = HandMadeDlsServer.WritableLayerCertDirOnNode(253);
        var before = await DlsNodeFiles.FingerprintAsync(ctx.Node, layer);
        var mark = await ctx.Node.CommandLogMarkAsync();

        var result = await dls.ImportAsync($"{NodeContext.NodeName}/lxc/253");
        Assert.Null(result.State);
        var error = Assert.Single(result.Diagnostics, d => d.IsError);
        Assert.Equal("Unable to import the licence server", error.Summary);
        foreach (var part in new[] { "container 253 on node \"pve1\"", "writable layer", "/app/cert", "pct exec 253 -- docker cp fastapi-dls:/app/cert /opt/fastapi-dls/cert", "-v /opt/fastapi-dls/cert:/app/cert", "import again" })
        {
            Assert.Contains(part, error.Detail, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(await ctx.Node.ReadCommandLogAsync(mark), e => e.Kind == CommandLogKind.ShimMutate);
        Assert.Equal(before, await DlsNodeFiles.FingerprintAsync(ctx.Node, layer));
    }

    [NodeFact]
    public async Task On_a_docker_host_a_hand_made_server_in_its_own_folder_is_imported_and_destroy_leaves_that_folder_without_keys()
    {
        await using var ctx = await NodeContext.StartAsync();
        var dls = new ResourceDriver(new DlsLicenseServerResource(), ctx.Context);
        var port = LoopbackPorts.Reserve();
        await ctx.Node.ExecCheckedAsync(
            $"mkdir -p {SrvCert} && echo mine > /srv/dls/notes.txt && openssl req -x509 -nodes -days 3650 -newkey rsa:2048 -keyout {SrvCert}/webserver.key " +
            $"-out {SrvCert}/webserver.crt -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null && " +
            $"docker run --restart always -d --name fastapi-dls -e DLS_URL=127.0.0.1 -e DLS_PORT={port} -p {port}:443 -v {SrvCert}:/app/cert collinwebdesigns/fastapi-dls:2.0.3 >/dev/null && " +
            $"end=$(( $(date +%s) + 90 )); until curl -sk --max-time 3 -o /dev/null https://127.0.0.1:{port}/-/health; do [ \"$(date +%s)\" -ge \"$end\" ] && exit 1; sleep 0.5; done");

        var imported = (await dls.ImportAsync($"{NodeContext.NodeName}/docker")).State!;
        Assert.Equal(DlsKeyMaterial.CertificateSha256(await ctx.Node.ExecCheckedAsync($"cat {SrvCert}/webserver.crt")), imported["certificate_sha256"].AsString());
        Assert.StartsWith("key file modes: ", imported["status"].AsString(), StringComparison.Ordinal);
        Assert.Equal(DlsNodeFiles.SigningKeyOfToken(imported["client_token"].AsString()), imported["signing_key_sha256"].AsString());

        // destroy removes the container and the key files, not the user's folder and what else it holds
        Assert.Empty((await dls.DeleteAsync(imported)).Diagnostics.Where(d => d.IsError));
        Assert.Equal("mine", (await ctx.Node.ExecCheckedAsync("cat /srv/dls/notes.txt")).Trim());
        Assert.Equal(string.Empty, (await ctx.Node.ExecCheckedAsync($"ls -A {SrvCert}")).Trim());
        Assert.False((await ctx.Node.ExecAsync("docker inspect fastapi-dls")).Succeeded);
    }

    [Fact]
    public void The_cert_volume_is_the_mount_at_the_containers_cert_path()
    {
        static DlsNodeState Parse(string env, string mounts) => DlsNodeState.Parse(
            "### ct\nstatus: docker-host\n### inspect\n[{\"State\": {\"Running\": true}, \"Mounts\": [" + mounts + "], \"Config\": {\"Image\": \"x\", \"Env\": [" + env + "]}}]\n");
        const string Db = "{\"Type\": \"bind\", \"Source\": \"/srv/dls/db\", \"Destination\": \"/app/database\"}";

        var plain = Parse("\"DLS_URL=a\"", Db + ", {\"Type\": \"bind\", \"Source\": \"/srv/dls/cert/\", \"Destination\": \"/app/cert\"}");
        Assert.Equal("/srv/dls/cert", plain.CertSource);
        Assert.False(plain.CertInWritableLayer);

        var certPath = Parse("\"CERT_PATH=/certs\"", "{\"Type\": \"bind\", \"Source\": \"/elsewhere\", \"Destination\": \"/app/cert\"}, {\"Type\": \"volume\", \"Source\": \"/var/lib/docker/volumes/dls/_data\", \"Destination\": \"/certs\"}");
        Assert.Equal("/var/lib/docker/volumes/dls/_data", certPath.CertSource);
        Assert.Equal("/certs", certPath.ContainerCertPath);

        var none = Parse("\"DLS_URL=a\"", Db);
        Assert.Null(none.CertSource);
        Assert.True(none.CertInWritableLayer);

        var spec = DlsLicenseServerSpec.From(Value.Object(("hosting", Value.String("docker_host"))));
        Assert.Equal(DlsLicenseServerSpec.DefaultCertDir, spec.At(none).CertDir);
        Assert.Equal("/srv/dls/cert", spec.At(plain).CertDir);
    }
}
