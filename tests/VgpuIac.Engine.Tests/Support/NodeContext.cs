using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Logging;
using VgpuIac.Engine.Nodes;
using VgpuIac.Engine.Remote;
using VgpuIac.Engine.Resources;
using VgpuIac.Engine.Ssh;
using VgpuIac.Engine.Values;
using VgpuIac.NodeSim;

namespace VgpuIac.Engine.Tests.Support;

/// <summary>
/// A simulated node plus the engine's view of it: a ResourceContext whose only node ("pve1") is reached through the
/// real SSH transport with the node's host key pinned. Dispose stops both.
/// </summary>
public sealed class NodeContext : IAsyncDisposable
{
    private NodeContext(SimulatedNode node, SshNodeResolver resolver, TestLog log)
    {
        Node = node;
        Resolver = resolver;
        Log = log;
        Context = new ResourceContext { Nodes = resolver, Log = log };
    }

    public const string NodeName = "pve1";

    public SimulatedNode Node { get; }

    public SshNodeResolver Resolver { get; }

    public ResourceContext Context { get; }

    /// <summary>Everything the engine logged (tests assert that no secret reaches it).</summary>
    public TestLog Log { get; }

    public IRemoteShell Shell => Resolver.Resolve(NodeName, AttributePath.Root, new DiagnosticBag())
        ?? throw new InvalidOperationException("node pve1 did not resolve");

    public static async Task<NodeContext> StartAsync(NodeOptions? options = null, CancellationToken ct = default)
    {
        var node = await SimulatedNode.StartAsync(options ?? new NodeOptions(), ct).ConfigureAwait(false);
        try
        {
            var config = ProviderConfig(node);
            var (settings, diagnostics) = ProviderConfiguration.Parse(config, _ => null);
            if (settings is null)
            {
                throw new InvalidOperationException("provider config rejected: " + string.Join("; ", diagnostics.Select(d => d.Detail)));
            }

            var log = new TestLog();
            return new NodeContext(node, new SshNodeResolver(settings, log), log);
        }
        catch
        {
            await node.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The provider configuration (as both doors pass it to the engine) for one simulated node.</summary>
    public static Value ProviderConfig(SimulatedNode node) => Value.Object(
        ("node", Value.Map([new KeyValuePair<string, Value>(NodeName, Value.Object(
            ("host", Value.String(node.Host)),
            ("port", Value.Number(node.Port)),
            ("user", Value.String(node.User)),
            ("private_key_file", Value.String(node.PrivateKeyPath)),
            ("host_key_sha256", Value.String(node.HostKeySha256))))])));

    public async ValueTask DisposeAsync()
    {
        await Resolver.DisposeAsync().ConfigureAwait(false);
        await Node.DisposeAsync().ConfigureAwait(false);
    }
}
