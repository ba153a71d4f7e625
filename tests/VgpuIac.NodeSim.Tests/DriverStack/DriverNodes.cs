using VgpuIac.NodeSim;

namespace VgpuIac.NodeSim.Tests.DriverStack;

/// <summary>Starting nodes for the driver-stack tests and driving them over SSH.</summary>
internal static class DriverNodes
{
    public const string BlacklistPath = "/etc/modprobe.d/blacklist-nouveau.conf";

    /// <summary>Nodes whose nouveau is already blacklisted (the first reboot of the real procedure is behind them).</summary>
    public static NodeOptions Blacklisted(NodeOptions options) => options with
    {
        Preseed = new Dictionary<string, PreseedFile>(options.Preseed)
        {
            [BlacklistPath] = PreseedFile.Text("blacklist nouveau\noptions nouveau modeset=0\n"),
        },
    };

    public static Task<SimulatedNode> StartAsync(NodeOptions options) =>
        SimulatedNode.StartAsync(options with { RebootDelay = 0.3 }, CancellationToken.None);

    /// <summary>
    /// Writes a fake installer on the host, uploads it over SFTP to /root and returns its node path. With
    /// <paramref name="dkmsPackage"/> (the default) the <c>dkms</c> package is installed first, as the real procedure does
    /// before running a <c>.run</c> with <c>--dkms</c> (which fails without it).
    /// </summary>
    public static string UploadInstaller(SimulatedNode node, string version, FakeInstallerOptions? options = null, bool dkmsPackage = true)
    {
        if (dkmsPackage)
        {
            Ok(node, "apt-get install -y dkms >/dev/null");
        }

        var dir = Directory.CreateTempSubdirectory("fake-installer-");
        try
        {
            var local = FakeInstaller.Write(dir.FullName, version, options);
            var remote = "/root/" + Path.GetFileName(local);
            using (var sftp = NodeSsh.ConnectSftp(node))
            using (var stream = File.OpenRead(local))
            {
                sftp.UploadFile(stream, remote);
            }

            var (exit, _, err) = NodeSsh.Run(node, "chmod +x " + remote);
            Assert.True(exit == 0, err);
            return remote;
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    public static (int? Exit, string Out, string Err) Run(SimulatedNode node, string command) => NodeSsh.Run(node, command);

    /// <summary>Runs a command that must succeed and returns its standard output.</summary>
    public static string Ok(SimulatedNode node, string command)
    {
        var (exit, output, err) = NodeSsh.Run(node, command);
        Assert.True(exit == 0, $"'{command}' exited {exit}: {err}{output}");
        return output;
    }

    public static bool Exists(SimulatedNode node, string path) => NodeSsh.Run(node, "test -e " + path).Exit == 0;
}
