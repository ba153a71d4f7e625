using VgpuIac.NodeSim;

namespace VgpuIac.NodeSim.Tests.DriverStack;

public sealed class PackageViewTests
{
    [NodeFact]
    public async Task Dpkg_sees_only_the_nodes_packages_and_apt_get_records_installs_and_removals()
    {
        await using var node = await DriverNodes.StartAsync(new NodeOptions());

        // the CI machine's own packages do not leak into the node
        foreach (var hostPackage in new[] { "build-essential", "mdevctl", "dkms", "openssh-server" })
        {
            var q = DriverNodes.Run(node, $"dpkg-query -W -f='${{Status}}' {hostPackage}");
            Assert.Equal(1, q.Exit);
            Assert.Equal($"dpkg-query: no packages found matching {hostPackage}\n", q.Err);
        }

        Assert.Equal("install ok installed 6.5.13-6", DriverNodes.Ok(node, "dpkg-query -W -f='${Status} ${Version}' proxmox-headers-$(uname -r)"));
        var list = DriverNodes.Ok(node, "dpkg -l 'proxmox-kernel-*'").Split('\n');
        Assert.StartsWith("Desired=Unknown/Install/Remove/Purge/Hold", list[0], StringComparison.Ordinal);
        Assert.Contains(list, l => l.StartsWith("ii  proxmox-kernel-6.5.13-6-pve-signed ", StringComparison.Ordinal));

        var unknown = DriverNodes.Run(node, "apt-get install -y no-such-package");
        Assert.Equal(100, unknown.Exit);
        Assert.Contains("E: Unable to locate package no-such-package", unknown.Err, StringComparison.Ordinal);

        var ask = DriverNodes.Run(node, "apt-get install build-essential");
        Assert.Equal(1, ask.Exit);
        Assert.EndsWith("Do you want to continue? [Y/n] Abort.\n", ask.Out, StringComparison.Ordinal);

        var mark = await node.CommandLogMarkAsync();
        DriverNodes.Ok(node, "DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends build-essential dkms mdevctl");
        Assert.Equal("install ok installed", DriverNodes.Ok(node, "dpkg-query -W -f='${Status}' build-essential"));
        Assert.Contains("dkms-3", DriverNodes.Ok(node, "dkms --version"), StringComparison.Ordinal);
        Assert.Contains("is already the newest version (3.0.10-8+deb12u1).", DriverNodes.Ok(node, "apt-get install -y dkms"), StringComparison.Ordinal);

        DriverNodes.Ok(node, "apt-get remove -y dkms");
        Assert.Equal(1, DriverNodes.Run(node, "dpkg-query -W dkms").Exit);
        Assert.Equal(127, DriverNodes.Run(node, "dkms status").Exit);

        var log = await node.ReadCommandLogAsync(mark);
        Assert.Contains(log, e => e.Kind == CommandLogKind.ShimMutate && e.Text.StartsWith("apt-get install -y --no-install-recommends build-essential", StringComparison.Ordinal));
        Assert.Contains(log, e => e.Kind == CommandLogKind.ShimRead && e.Text.StartsWith("apt-get install -y dkms", StringComparison.Ordinal));
        Assert.Contains(log, e => e.Kind == CommandLogKind.ShimRead && e.Text.StartsWith("dpkg-query", StringComparison.Ordinal));
    }
}
