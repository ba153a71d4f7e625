using System.Diagnostics;
using Renci.SshNet;
using VgpuIac.NodeSim.Tests.DriverStack;

namespace VgpuIac.NodeSim.Tests;

/// <summary>
/// The per-VM sshd of Linux guests: reachable while the VM runs, with its own pinned host key; commands run inside the
/// guest (logged in the guest's command log, not the node's); the connection drops during a guest reboot and the
/// sshd comes back with the same port and key; it stops with the VM; Windows guests have none.
/// </summary>
public sealed class GuestSshTests
{
    private static SshClient Connect(GuestSshEndpoint endpoint, string pinned)
    {
        var info = new ConnectionInfo(endpoint.Host, endpoint.Port, endpoint.User, new PrivateKeyAuthenticationMethod(endpoint.User, new PrivateKeyFile(endpoint.PrivateKeyPath)))
        {
            Timeout = TimeSpan.FromSeconds(10),
        };
        var client = new SshClient(info);
        client.HostKeyReceived += (_, e) => e.CanTrust = "SHA256:" + e.FingerPrintSHA256 == pinned;
        client.Connect();
        return client;
    }

    [NodeFact]
    public async Task A_started_linux_guest_answers_ssh_inside_the_guest_and_drops_it_while_rebooting()
    {
        await using var node = await SimulatedNode.StartAsync(new NodeOptions { Hostname = "pve-ssh" });
        var prepared = await node.PrepareGuestSshAsync(301);
        DriverNodes.Ok(node, "qm create 300 --name ubuntu-a --ostype l26 --agent enabled=0 --net0 virtio,bridge=vmbr0 && qm start 300");
        DriverNodes.Ok(node, "qm create 301 --name ubuntu-b --ostype l26 --agent enabled=0 --net0 virtio,bridge=vmbr0 && qm start 301");
        DriverNodes.Ok(node, "qm create 302 --name win --ostype win11 --agent enabled=1 --net0 virtio,bridge=vmbr0 && qm start 302");

        var endpoint = await node.GuestSshAsync(300);
        Assert.NotNull(endpoint);
        Assert.NotEqual(node.HostKeySha256, endpoint.HostKeySha256);
        Assert.Equal(prepared, await node.GuestSshAsync(301)); // a prepared port and key are the ones used
        Assert.Null(await node.GuestSshAsync(302));            // Windows guests: agent only

        var mark = await node.CommandLogMarkAsync();
        using (var ssh = Connect(endpoint, endpoint.HostKeySha256))
        {
            using var cmd = ssh.RunCommand("cat /etc/hostname; echo \"vm=$NODESIM_VMID\"; lsmod | grep -c nouveau");
            Assert.Equal(0, cmd.ExitStatus);
            Assert.Equal("ubuntu-a\nvm=300\n1\n", cmd.Result);
        }

        Assert.DoesNotContain(await node.ReadCommandLogAsync(mark), e => e.Text.Contains("NODESIM_VMID", StringComparison.Ordinal));
        Assert.Contains(await node.ReadGuestCommandLogAsync(300), e => e.Kind == CommandLogKind.Exec && e.Text.Contains("NODESIM_VMID", StringComparison.Ordinal));

        // a host key other than the guest's is refused
        Assert.ThrowsAny<Exception>(() => Connect(endpoint, prepared.HostKeySha256).Dispose());

        // `reboot` over SSH: the guest boots again, the connection drops, the sshd comes back with the same port and key
        using (var ssh = Connect(endpoint, endpoint.HostKeySha256))
        {
            using var cmd = ssh.RunCommand("reboot");
            var clock = Stopwatch.StartNew();
            while (ssh.IsConnected && clock.Elapsed < TimeSpan.FromSeconds(10))
            {
                try
                {
                    using var probe = ssh.RunCommand("true");
                }
                catch (Exception e) when (NodeSsh.IsConnectionDrop(e))
                {
                    break;
                }

                await Task.Delay(100);
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "the SSH connection did not drop during the guest's reboot");
        }

        GuestSshEndpoint? back = null;
        for (var i = 0; i < 50 && back is null; i++)
        {
            await Task.Delay(100);
            back = await node.GuestSshAsync(300);
        }

        Assert.Equal(endpoint, back);
        Assert.Equal("2", (await node.ExecCheckedAsync("cat /var/lib/nodesim/guests/300/root/var/lib/nodesim/guest/boot_count")).Trim());
        using (var ssh = Connect(endpoint, endpoint.HostKeySha256))
        {
            Assert.Equal(0, ssh.RunCommand("true").ExitStatus);
        }

        // the sshd stops with the VM
        DriverNodes.Ok(node, "qm stop 300");
        Assert.Null(await node.GuestSshAsync(300));
        Assert.ThrowsAny<Exception>(() => Connect(endpoint, endpoint.HostKeySha256).Dispose());
    }
}
