using System.Globalization;
using VgpuIac.Terraform.Tests.Support;

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

    private static string Config(string provider, int vmid, int port, int leaseDays) => provider + $$"""
        resource "vgpu_dls_license_server" "dls" {
          node              = "pve1"
          vmid              = {{vmid.ToString(CultureInfo.InvariantCulture)}}
          ip_address        = "192.0.2.50/24"
          gateway           = "192.0.2.1"
          dls_url           = "127.0.0.1"
          dls_port          = {{port.ToString(CultureInfo.InvariantCulture)}}
          lease_expire_days = {{leaseDays.ToString(CultureInfo.InvariantCulture)}}
        }

        output "token_parts" {
          value = length(split(".", nonsensitive(vgpu_dls_license_server.dls.client_token)))
        }
        """;

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
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
            var port = FreePort();
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
            Assert.Contains("not running", drift, StringComparison.Ordinal);
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

    public void Dispose() => _tf.Dispose();
}
