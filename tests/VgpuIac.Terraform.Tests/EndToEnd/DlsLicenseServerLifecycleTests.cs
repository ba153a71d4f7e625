using System.Globalization;
using VgpuIac.Terraform.Tests.Support;
using VgpuIac.NodeSim;

namespace VgpuIac.Terraform.Tests.EndToEnd;

/// <summary>
/// <c>vgpu_dls_license_server</c>'s whole life through the real terraform CLI against a simulated node: an LXC with
/// FastAPI-DLS in Docker is created, the second plan is empty, the lease duration changes in place, a container stopped
/// by hand is seen and restarted, a new <c>vmid</c> replaces the LXC, <c>terraform import</c> and an <c>import</c>
/// block find it again, destroy removes it.
/// </summary>
[Trait("Category", "E2E")]
public sealed class DlsLicenseServerLifecycleTests : IDisposable
{
    private const string Address = "vgpu_dls_license_server.dls";

    private readonly TerraformLifecycle _tf = new();

    private const string OtherTemplate = "local:vztmpl/debian-13-standard_13.1-1_amd64.tar.zst";

    private static string Config(string provider, int vmid, int port, int leaseDays, string? template = null, int? keyGeneration = null) => provider + $$"""
        resource "vgpu_dls_license_server" "dls" {
          node              = "pve1"
          vmid              = {{vmid.ToString(CultureInfo.InvariantCulture)}}
          ip_address        = "192.0.2.50/24"
          gateway           = "192.0.2.1"
          dls_url           = "127.0.0.1"
          dls_port          = {{port.ToString(CultureInfo.InvariantCulture)}}
          lease_expire_days = {{leaseDays.ToString(CultureInfo.InvariantCulture)}}
          {{(template is null ? string.Empty : $"template = \"{template}\"")}}
          {{(keyGeneration is { } g ? $"key_generation = {g.ToString(CultureInfo.InvariantCulture)}" : string.Empty)}}
        }

        output "token_parts" {
          value = length(split(".", nonsensitive(vgpu_dls_license_server.dls.client_token)))
        }

        output "certificate_sha256" {
          value = vgpu_dls_license_server.dls.certificate_sha256
        }

        output "signing_key_sha256" {
          value = vgpu_dls_license_server.dls.signing_key_sha256
        }
        """;

    [NodeFact]
    public async Task Licence_server_lives_a_whole_life_through_the_terraform_cli()
    {
        Assert.True(TerraformCli.Available, "terraform must be on PATH for the end-to-end tests");
        if (await SimulatedNodes.StartOrExplainAsync(new NodeSim.NodeOptions { Hostname = "pve1", RebootDelay = 0.5 }) is not { } node)
        {
            return;
        }

        await using (node)
        {
            var provider = ProviderHcl.For(("pve1", node));
            var port = LoopbackPorts.Reserve();
            async Task<string> ContainerAsync(int vmid) => await node.ExecCheckedAsync($"pct exec {vmid} -- docker inspect fastapi-dls");
            async Task<bool> LxcExistsAsync(int vmid) => (await node.ExecAsync($"test -e /etc/pve/lxc/{vmid}.conf")).ExitCode == 0;

            // create: the LXC, Docker in it, the server answering; a client token in the state
            _tf.WriteConfig(Config(provider, 250, port, 90));
            var created = await _tf.ApplyAsync();
            Assert.Contains("token_parts = 3", created, StringComparison.Ordinal);
            Assert.Contains("features: nesting=1,keyctl=1", await node.ExecCheckedAsync("cat /etc/pve/lxc/250.conf"), StringComparison.Ordinal);
            Assert.Contains("\"Running\": true", await ContainerAsync(250), StringComparison.Ordinal);
            Assert.Contains("LEASE_EXPIRE_DAYS=90", await ContainerAsync(250), StringComparison.Ordinal);

            await _tf.AssertNoChangesAsync("second plan after create");

            // in-place update: the lease duration (the container is recreated with the new environment, the LXC stays)
            _tf.WriteConfig(Config(provider, 250, port, 30));
            var update = await _tf.PlanWithChangesAsync();
            Assert.Contains("update in-place", update, StringComparison.Ordinal);
            Assert.DoesNotContain("must be replaced", update, StringComparison.Ordinal);
            await _tf.ApplyAsync();
            Assert.Contains("LEASE_EXPIRE_DAYS=30", await ContainerAsync(250), StringComparison.Ordinal);
            await _tf.AssertNoChangesAsync("plan after the update");

            // drift: the Docker container stopped by hand is seen and started again by apply
            await node.ExecCheckedAsync("pct exec 250 -- docker stop fastapi-dls >/dev/null");
            var drift = await _tf.DriftAsync();
            Assert.Contains("container stopped", drift, StringComparison.Ordinal);
            await _tf.PlanWithChangesAsync();
            await _tf.ApplyAsync();
            Assert.Contains("\"Running\": true", await ContainerAsync(250), StringComparison.Ordinal);
            await _tf.AssertNoChangesAsync("plan after repairing the drift");

            // replacement: another vmid is another LXC
            _tf.WriteConfig(Config(provider, 251, port, 30));
            var replace = await _tf.PlanWithChangesAsync();
            Assert.Contains("must be replaced", replace, StringComparison.Ordinal);
            Assert.Contains("forces replacement", replace, StringComparison.Ordinal);
            await _tf.ApplyAsync();
            Assert.False(await LxcExistsAsync(250), "the replaced LXC 250 is still there");
            Assert.True(await LxcExistsAsync(251), "the new LXC 251 is missing");
            Assert.Contains("\"Running\": true", await ContainerAsync(251), StringComparison.Ordinal);
            await _tf.AssertNoChangesAsync("plan after the replacement");

            // terraform import, then an import block (import id: <node>/lxc/<vmid>)
            var config = Config(provider, 251, port, 30);
            var certificate = await node.ExecCheckedAsync("sha256sum /var/lib/lxc/251/rootfs/opt/fastapi-dls/cert/webserver.crt");
            var mark = await node.CommandLogMarkAsync();
            await _tf.ReimportWithCliAsync(Address, "pve1/lxc/251");
            await _tf.AssertImportNeedsAtMostAsync(Address);
            await _tf.ApplyAsync();
            await _tf.AssertNoChangesAsync("plan after terraform import and apply");
            await _tf.ReimportWithBlockAsync(config, Address, "pve1/lxc/251");
            await _tf.AssertNoChangesAsync("plan after an import block");
            await NodeChanges.AssertNoneSinceAsync(node, mark, "importing a running licence server must not change it");
            Assert.Equal(certificate, await node.ExecCheckedAsync("sha256sum /var/lib/lxc/251/rootfs/opt/fastapi-dls/cert/webserver.crt"));

            // destroy removes the container and the LXC
            await _tf.DestroyAsync();
            Assert.False(await LxcExistsAsync(251), "LXC 251 is still there after destroy");
        }
    }

    /// <summary>
    /// The paths users hit every week: <c>-replace</c>, a replacement forced by an attribute at the same vmid, a container
    /// stopped by hand (the plan starts it, the certificate and keys stay), a rotation (the signing key changes), a create
    /// that failed (tainted) finished by a plain apply, and destroy. Every key file on the node has its mode.
    /// </summary>
    [NodeFact]
    public async Task Licence_server_is_replaced_restarted_rotated_and_recovered_through_the_terraform_cli()
    {
        Assert.True(TerraformCli.Available, "terraform must be on PATH for the end-to-end tests");
        if (await SimulatedNodes.StartOrExplainAsync(new NodeSim.NodeOptions { Hostname = "pve1", RebootDelay = 0.5 }) is not { } node)
        {
            return;
        }

        await using (node)
        {
            var provider = ProviderHcl.For(("pve1", node));
            var port = LoopbackPorts.Reserve();
            async Task<string> OutputAsync(string name) => (await _tf.SucceedsAsync("output", "-json", name)).Split('\n')[0].Trim().Trim('"');
            async Task<string> CertDirModesAsync(int vmid) => await node.ExecCheckedAsync(
                $"cd /var/lib/lxc/{vmid}/rootfs/opt/fastapi-dls/cert && stat -c '%n %a %U' webserver.key webserver.crt root_private_key.pem root_certificate.pem ca_private_key.pem ca_certificate.pem si_private_key.pem si_certificate.pem");
            await node.ExecCheckedAsync("cp /var/lib/vz/template/cache/debian-12-standard_12.7-1_amd64.tar.zst /var/lib/vz/template/cache/debian-13-standard_13.1-1_amd64.tar.zst");

            _tf.WriteConfig(Config(provider, 250, port, 90));
            await _tf.ApplyAsync();
            Assert.Equal(
                "webserver.key 600 root\nwebserver.crt 644 root\nroot_private_key.pem 600 root\nroot_certificate.pem 644 root\n" +
                "ca_private_key.pem 600 root\nca_certificate.pem 644 root\nsi_private_key.pem 600 root\nsi_certificate.pem 644 root",
                (await CertDirModesAsync(250)).Trim());
            Assert.Contains("tags: vgpuiac", await node.ExecCheckedAsync("cat /etc/pve/lxc/250.conf"), StringComparison.Ordinal);
            var firstCertificate = await OutputAsync("certificate_sha256");

            // -replace: the create of the replacement finds LXC 250 (the object it replaces) and goes ahead
            var replaced = await _tf.SucceedsAsync("apply", "-auto-approve", "-input=false", $"-replace={Address}");
            Assert.Contains("1 added, 0 changed, 1 destroyed", replaced, StringComparison.Ordinal);
            Assert.NotEqual(firstCertificate, await OutputAsync("certificate_sha256"));
            await _tf.AssertNoChangesAsync("plan after -replace");

            // an attribute that forces replacement, at the same vmid
            _tf.WriteConfig(Config(provider, 250, port, 90, template: OtherTemplate));
            var byTemplate = await _tf.PlanWithChangesAsync();
            Assert.Contains("forces replacement", byTemplate, StringComparison.Ordinal);
            await _tf.ApplyAsync();
            await _tf.AssertNoChangesAsync("plan after replacing by template");

            // stopped is not missing: the plan starts it; certificate, signing key and token stay
            var certificate = await OutputAsync("certificate_sha256");
            var signer = await OutputAsync("signing_key_sha256");
            var files = await node.ExecCheckedAsync("cd /var/lib/lxc/250/rootfs/opt/fastapi-dls/cert && sha256sum * | sort");
            await node.ExecCheckedAsync("pct stop 250");
            var stopped = await _tf.PlanWithChangesAsync();
            Assert.Contains("update in-place", stopped, StringComparison.Ordinal);
            Assert.Contains("\"stopped\" -> \"running\"", stopped, StringComparison.Ordinal);
            Assert.DoesNotContain("must be replaced", stopped, StringComparison.Ordinal);
            Assert.DoesNotContain("known after apply", stopped, StringComparison.Ordinal);
            await _tf.ApplyAsync();
            Assert.Contains("status: running", await node.ExecCheckedAsync("pct status 250"), StringComparison.Ordinal);
            Assert.Equal(certificate, await OutputAsync("certificate_sha256"));
            Assert.Equal(signer, await OutputAsync("signing_key_sha256"));
            Assert.Equal(files, await node.ExecCheckedAsync("cd /var/lib/lxc/250/rootfs/opt/fastapi-dls/cert && sha256sum * | sort"));
            await _tf.AssertNoChangesAsync("plan after starting the stopped container");

            // rotation: key_generation makes a new chain; the signing key changes
            _tf.WriteConfig(Config(provider, 250, port, 90, template: OtherTemplate, keyGeneration: 1));
            var rotation = await _tf.PlanWithChangesAsync();
            Assert.Contains("signing keys will be replaced", rotation, StringComparison.Ordinal);
            await _tf.ApplyAsync();
            Assert.NotEqual(signer, await OutputAsync("signing_key_sha256"));
            Assert.NotEqual(certificate, await OutputAsync("certificate_sha256"));
            await _tf.AssertNoChangesAsync("plan after the rotation");

            // a create that fails (the container cannot start) leaves a tainted object; a plain apply finishes the job
            await node.FailNextAsync("^docker run", exitCode: 125, stderr: "docker: Error response from daemon: simulated failure");
            _tf.WriteConfig(Config(provider, 252, port, 90, keyGeneration: 1));
            var (code, failed) = await _tf.Cli.RunAsync("apply", "-auto-approve", "-input=false");
            Assert.True(code != 0, "the apply with a failing docker run succeeded:\n" + failed);
            Assert.Contains("Unable to start the licence server", failed, StringComparison.Ordinal);
            Assert.Contains("tainted", await _tf.SucceedsAsync("state", "show", Address), StringComparison.Ordinal);
            var recovered = await _tf.ApplyAsync();
            Assert.Contains("1 added, 0 changed, 1 destroyed", recovered, StringComparison.Ordinal);
            Assert.Contains("\"Running\": true", await node.ExecCheckedAsync("pct exec 252 -- docker inspect fastapi-dls"), StringComparison.Ordinal);
            Assert.Empty((await node.ExecCheckedAsync("ls -d /run/vgpuiac-dls-staging-* 2>/dev/null; true")).Trim());
            await _tf.AssertNoChangesAsync("plan after recovering the failed create");

            await _tf.DestroyAsync();
            Assert.False((await node.ExecAsync("test -e /etc/pve/lxc/252.conf")).ExitCode == 0, "LXC 252 is still there after destroy");
            Assert.False((await node.ExecAsync("test -e /etc/pve/lxc/250.conf")).ExitCode == 0, "LXC 250 is still there after destroy");
        }
    }

    public void Dispose() => _tf.Dispose();
}
