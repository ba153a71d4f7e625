using VgpuIac.Engine.HostDriver;
using VgpuIac.Engine.Parsing.Installer;
using VgpuIac.Engine.Tests.Support;
using VgpuIac.NodeSim;

namespace VgpuIac.Engine.Tests.HostDriver;

/// <summary>
/// The installer's <c>--dkms</c> on a node without the <c>dkms</c> package: the simulated installer fails as the real one
/// ("Failed to find dkms on the system!"), and what the host driver makes of that output says to install dkms.
/// </summary>
public sealed class HostDriverDkmsMissingTests
{
    [NodeFact]
    public async Task The_installers_dkms_not_found_gives_advice_to_install_dkms()
    {
        var options = new NodeOptions
        {
            Preseed = new Dictionary<string, PreseedFile>
            {
                ["/etc/modprobe.d/blacklist-nouveau.conf"] = PreseedFile.Text("blacklist nouveau\noptions nouveau modeset=0\n"),
            },
        };
        await using var ctx = await NodeContext.StartAsync(options);
        Assert.Equal(0, (await ctx.Node.ExecAsync("cat > /root/installer.run", standardInput: FakeInstaller.Content(HostDriverSetup.Version))).ExitCode);
        Assert.Equal(1, (await ctx.Node.ExecAsync("dpkg-query -W dkms")).ExitCode);

        // the host driver's own install command and log read, over SSH
        var result = await ctx.Shell.RunAsync(HostDriverCommands.Install("/root/installer.run", dkms: true), CancellationToken.None);
        var log = await ctx.Shell.RunAsync(HostDriverCommands.InstallerLogTail, CancellationToken.None);

        Assert.Equal(1, result.ExitCode);
        var text = result.StandardError + "\n" + result.StandardOutput + "\n" + log.StandardOutput;
        var report = NvidiaInstallerParser.Parse(text).Value;
        Assert.Equal(InstallerFailureKind.DkmsMissing, report.Failure);
        Assert.Contains("install it (`apt-get install dkms`", NvidiaInstallerParser.Advice(report), StringComparison.Ordinal);
        Assert.Contains("ERROR: Failed to find dkms on the system!", NvidiaInstallerParser.RelevantLines(text), StringComparison.Ordinal);
        Assert.Equal(1, (await ctx.Node.ExecAsync("test -e /usr/bin/nvidia-smi")).ExitCode);
    }
}
