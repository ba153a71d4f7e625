using System.Diagnostics;
using Renci.SshNet;
using VgpuIac.NodeSim;

namespace VgpuIac.NodeSim.Tests;

public sealed class StartAndConnectTests
{
    [NodeFact]
    public async Task Node_starts_quickly_and_answers_over_ssh_with_the_exposed_host_key()
    {
        var sw = Stopwatch.StartNew();
        await using var node = await SimulatedNode.StartAsync(new NodeOptions { Hostname = "pve-a" }, CancellationToken.None);
        var startup = sw.Elapsed;

        string? presented = null;
        using var ssh = new SshClient(NodeSsh.ConnectionInfo(node));
        ssh.HostKeyReceived += (_, e) =>
        {
            presented = "SHA256:" + e.FingerPrintSHA256;
            e.CanTrust = presented == node.HostKeySha256;
        };
        ssh.Connect();
        using var cmd = ssh.RunCommand("hostname; echo $HOME; echo $PATH");

        Assert.Equal(node.HostKeySha256, presented);
        Assert.StartsWith("SHA256:", node.HostKeySha256, StringComparison.Ordinal);
        Assert.DoesNotContain("=", node.HostKeySha256, StringComparison.Ordinal);
        Assert.Equal(0, cmd.ExitStatus);
        Assert.Equal("pve-a\n/root\n/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n", cmd.Result);
        Assert.Equal("127.0.0.1", node.Host);
        Assert.Equal("root", node.User);
        Assert.Contains("OPENSSH PRIVATE KEY", node.PrivateKeyPem, StringComparison.Ordinal);
        Assert.Equal(1, node.BootCount);
        Assert.True(startup < TimeSpan.FromSeconds(6), $"start took {startup}");
    }

    [NodeFact]
    public async Task Openssh_client_with_strict_host_key_checking_accepts_the_exposed_known_hosts_line()
    {
        await using var node = await SimulatedNode.StartAsync(new NodeOptions(), CancellationToken.None);
        var knownHosts = Path.Combine(node.SandboxDir, "known_hosts");
        await File.WriteAllTextAsync(knownHosts, node.KnownHostsLine + "\n");
        var psi = new ProcessStartInfo("ssh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in new[]
                 {
                     "-i", node.PrivateKeyPath, "-p", node.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "-o", "UserKnownHostsFile=" + knownHosts, "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes",
                     "-o", "GlobalKnownHostsFile=/dev/null", "root@127.0.0.1", "uname -r",
                 })
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = await p.StandardOutput.ReadToEndAsync();
        var stderr = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();

        Assert.True(p.ExitCode == 0, stderr);
        Assert.Equal("6.5.13-6-pve\n", stdout);
    }

    [NodeFact]
    public async Task Writes_land_in_upper_and_the_host_stays_untouched()
    {
        await using var node = await SimulatedNode.StartAsync(new NodeOptions(), CancellationToken.None);
        var probe = "/etc/nodesim-probe-" + Guid.NewGuid().ToString("N")[..8];
        var (exit, _, err) = NodeSsh.Run(node, $"echo hello > {probe} && mkdir -p /opt/probe && echo x > /opt/probe/file && rm -f /etc/hostname");

        Assert.True(exit == 0, err);
        Assert.Equal("hello\n", await File.ReadAllTextAsync(Path.Combine(node.UpperDir, probe.TrimStart('/'))));
        Assert.True(File.Exists(Path.Combine(node.UpperDir, "opt/probe/file")));
        Assert.False(File.Exists(probe), "the host's /etc got the probe");
        Assert.False(Directory.Exists("/opt/probe"), "the host's /opt got the probe");
        // a deletion inside the node is a whiteout in upper, never a deletion on the host
        Assert.True(File.Exists(Path.Combine(node.UpperDir, "etc/hostname")));
    }

    [NodeFact]
    public async Task The_repository_is_hidden_and_proc_sys_is_read_only_inside_the_node()
    {
        await using var node = await SimulatedNode.StartAsync(new NodeOptions(), CancellationToken.None);
        var repo = FindRepo();
        var r = await node.ExecAsync($"ls -A {repo} | wc -l; echo 1 > /proc/sys/vm/drop_caches 2>/dev/null && echo writable || echo ro; ps -e -o pid= | wc -l");
        var lines = r.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal("0", lines[0].Trim());
        Assert.Equal("ro", lines[1]);
        Assert.True(int.Parse(lines[2].Trim(), System.Globalization.CultureInfo.InvariantCulture) < 20, "the node sees foreign processes");
    }

    [NodeFact]
    public async Task Three_nodes_run_in_parallel_with_independent_state()
    {
        var nodes = await Task.WhenAll(Enumerable.Range(1, 3).Select(i =>
            SimulatedNode.StartAsync(new NodeOptions { Hostname = $"pve-par{i}" }, CancellationToken.None)));
        try
        {
            Assert.Equal(3, nodes.Select(n => n.Port).Distinct().Count());
            Assert.Equal(3, nodes.Select(n => n.HostKeySha256).Distinct().Count());
            await Task.WhenAll(nodes.Select((n, i) => Task.Run(() =>
            {
                var (exit, output, _) = NodeSsh.Run(n, $"echo node{i} > /etc/which; hostname");
                Assert.Equal(0, exit);
                Assert.Equal($"pve-par{i + 1}\n", output);
            })));
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal($"node{i}\n", await File.ReadAllTextAsync(Path.Combine(nodes[i].UpperDir, "etc/which")));
            }
        }
        finally
        {
            await Task.WhenAll(nodes.Select(n => n.DisposeAsync().AsTask()));
        }

        Assert.All(nodes, n => Assert.False(Directory.Exists(n.SandboxDir), "sandbox not deleted"));
    }

    private static string FindRepo()
    {
        var dir = AppContext.BaseDirectory;
        while (!Directory.Exists(Path.Combine(dir, ".git")) && !File.Exists(Path.Combine(dir, ".git")))
        {
            dir = Path.GetDirectoryName(dir.TrimEnd('/'))!;
        }

        return dir;
    }
}
