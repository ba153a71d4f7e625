using VgpuIac.NodeSim.Native;

namespace VgpuIac.NodeSim;

/// <summary>Checks that this machine can run a simulated node (root, unshare/nsenter, OpenSSH server, mdevctl).</summary>
public static class NodeHostRequirements
{
    private static readonly Lazy<string?> Reason = new(Probe);

    /// <summary>Null when nodes can run here; otherwise why not.</summary>
    public static string? WhyUnavailable() => Reason.Value;

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "the simulated node needs Linux namespaces";
        }

        if (LibC.GetEffectiveUserId() != 0)
        {
            return $"the simulated node needs root (running as {Environment.UserName})";
        }

        string[] tools = ["/usr/bin/unshare", "/usr/bin/nsenter", "/usr/sbin/chroot", "/usr/sbin/sshd", "/usr/bin/ssh-keygen",
            "/usr/lib/openssh/sftp-server", "/usr/bin/mdevctl"];
        foreach (var tool in tools)
        {
            if (!File.Exists(tool))
            {
                return $"{tool} is missing (apt-get install openssh-server mdevctl util-linux coreutils)";
            }
        }

        return null;
    }
}
