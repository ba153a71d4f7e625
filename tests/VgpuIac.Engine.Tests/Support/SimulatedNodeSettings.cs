using VgpuIac.Engine.Nodes;
using VgpuIac.NodeSim;

namespace VgpuIac.Engine.Tests.Support;

/// <summary>Node settings for a simulated node: its address, key, and pinned host key.</summary>
public static class SimulatedNodeSettings
{
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
