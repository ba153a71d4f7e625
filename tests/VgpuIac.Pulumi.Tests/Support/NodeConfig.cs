using System.Text.Json.Nodes;
using VgpuIac.NodeSim;

namespace VgpuIac.Pulumi.Tests.Support;

/// <summary>Provider configuration (as Configure receives it) for a simulated node, with the private key as a secret.</summary>
public static class NodeConfig
{
    public const string NodeName = "pve1";

    /// <summary>Second name of the same simulated node (<see cref="For"/> with <c>alsoAs</c>): moving a resource to it forces a replacement.</summary>
    public const string OtherNodeName = "pve2";

    /// <summary>Configuration with <paramref name="node"/> as <see cref="NodeName"/> and under every name in <paramref name="alsoAs"/>.</summary>
    public static JsonObject For(SimulatedNode node, params string[] alsoAs)
    {
        var nodes = new JsonObject();
        foreach (var name in new[] { NodeName }.Concat(alsoAs))
        {
            nodes[name] = new JsonObject
            {
                ["host"] = node.Host,
                ["port"] = node.Port,
                ["user"] = node.User,
                ["privateKey"] = PulumiEngine.Secret(node.PrivateKeyPem),
                ["hostKeySha256"] = node.HostKeySha256,
            };
        }

        return new JsonObject { ["node"] = nodes };
    }

    /// <summary>Log entries that changed the node: mutating shims, file writes, SFTP sessions.</summary>
    public static bool IsMutating(CommandLogEntry e) =>
        e.Kind == CommandLogKind.ShimMutate || e.Kind == CommandLogKind.Sftp
        || (e.Kind == CommandLogKind.Exec && e.Text.Contains("vgpuiac-write", StringComparison.Ordinal));

    /// <summary>Entries logged while step <paramref name="step"/> of <paramref name="run"/> ran.</summary>
    public static IEnumerable<CommandLogEntry> During(this IEnumerable<CommandLogEntry> log, EngineRun run, int step)
    {
        var s = run.Step(step);
        var from = DateTimeOffset.FromUnixTimeMilliseconds(s["startedAt"]!.GetValue<long>() - 5);
        var to = DateTimeOffset.FromUnixTimeMilliseconds(s["endedAt"]!.GetValue<long>() + 5);
        return log.Where(e => e.Timestamp >= from && e.Timestamp <= to);
    }
}
