using Renci.SshNet;
using Renci.SshNet.Common;
using VgpuIac.NodeSim;

namespace VgpuIac.NodeSim.Tests;

/// <summary>SSH.NET clients for a node, pinned to its host key.</summary>
internal static class NodeSsh
{
    public static ConnectionInfo ConnectionInfo(SimulatedNode node) =>
        new(node.Host, node.Port, node.User, new PrivateKeyAuthenticationMethod(node.User, new PrivateKeyFile(node.PrivateKeyPath)))
        {
            Timeout = TimeSpan.FromSeconds(10),
        };

    public static SshClient Connect(SimulatedNode node)
    {
        var client = new SshClient(ConnectionInfo(node));
        Pin(client, node);
        client.Connect();
        return client;
    }

    public static SftpClient ConnectSftp(SimulatedNode node)
    {
        var client = new SftpClient(ConnectionInfo(node));
        Pin(client, node);
        client.Connect();
        return client;
    }

    /// <summary>Runs one command on a fresh connection.</summary>
    public static (int? Exit, string Out, string Err) Run(SimulatedNode node, string command)
    {
        using var ssh = Connect(node);
        using var cmd = ssh.RunCommand(command);
        return (cmd.ExitStatus, cmd.Result, cmd.Error);
    }

    private static void Pin(BaseClient client, SimulatedNode node) =>
        client.HostKeyReceived += (_, e) => e.CanTrust = "SHA256:" + e.FingerPrintSHA256 == node.HostKeySha256;

    public static bool IsConnectionDrop(Exception e) => e is SshConnectionException or SshException or System.Net.Sockets.SocketException or ObjectDisposedException;
}
