using VgpuIac.Engine.Nodes;
using VgpuIac.Engine.Ssh;
using VgpuIac.NodeSim;

namespace VgpuIac.Engine.Tests.Support;

/// <summary>Node settings for a simulated node: its address, key, and pinned host key; transport options and a deadline for tests.</summary>
public static class SimulatedNodeSettings
{
    /// <summary>Short retry and reboot-poll delays: a simulated node answers in milliseconds.</summary>
    public static readonly SshTransportOptions FastTransport = new()
    {
        InitialRetryDelay = TimeSpan.FromMilliseconds(100),
        MaxRetryDelay = TimeSpan.FromMilliseconds(500),
        RebootPollInterval = TimeSpan.FromMilliseconds(200),
    };

    /// <summary>A token cancelled after <paramref name="seconds"/>: every node test's deadline.</summary>
    public static CancellationToken Deadline(int seconds = 90) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    public static NodeSettings For(SimulatedNode node) => new()
    {
        Name = "sim",
        Host = node.Host,
        Port = node.Port,
        User = node.User,
        PrivateKeyFile = node.PrivateKeyPath,
        HostKeySha256 = HostKeyFingerprint.Normalize(node.HostKeySha256),
        ConnectTimeout = TimeSpan.FromSeconds(10),
    };
}
