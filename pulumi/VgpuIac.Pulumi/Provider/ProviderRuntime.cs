using Grpc.Core;
using VgpuIac.Engine.Nodes;
using VgpuIac.Engine.Resources;
using VgpuIac.Engine.Ssh;
using VgpuIac.Pulumi.Logging;

namespace VgpuIac.Pulumi.Provider;

/// <summary>
/// What the plugin process holds between RPCs: the log sink toward the engine, the configured nodes, and the root
/// cancellation that <c>Cancel</c> trips (every operation is linked to it).
/// </summary>
public sealed class ProviderRuntime : IAsyncDisposable
{
    private readonly CancellationTokenSource _root = new();
    private SshNodeResolver? _nodes;

    public ProviderRuntime(EngineLogSink log, Func<string, string?>? getEnv = null)
    {
        Log = log;
        GetEnv = getEnv ?? Environment.GetEnvironmentVariable;
    }

    public EngineLogSink Log { get; }

    public Func<string, string?> GetEnv { get; }

    /// <summary>Set by Cancel: shut down after the answer is sent.</summary>
    public event Action? CancelRequested;

    public CancellationToken Cancelled => _root.Token;

    /// <summary>The configured nodes, or null before Configure succeeded.</summary>
    public INodeResolver? Nodes => Volatile.Read(ref _nodes);

    public ProviderSettings? Settings { get; private set; }

    public void Configure(ProviderSettings settings)
    {
        var resolver = new SshNodeResolver(settings, new PulumiEngineLog(Log));
        var previous = Interlocked.Exchange(ref _nodes, resolver);
        Settings = settings;
        if (previous is not null)
        {
            _ = previous.DisposeAsync().AsTask();
        }
    }

    /// <summary>The context of one operation, logging against <paramref name="urn"/>.</summary>
    public ResourceContext Context(string urn) => new()
    {
        Nodes = Nodes ?? throw new RpcException(new Status(StatusCode.FailedPrecondition,
            "The vgpu provider is not configured: Configure was not called or failed. Set the provider's `node` configuration (e.g. `pulumi config set --path vgpu:node.pve1.host 10.0.0.5`).")),
        Log = new PulumiEngineLog(Log, urn),
    };

    /// <summary>A token for one RPC: cancelled by Cancel, by the client going away, or after <paramref name="timeoutSeconds"/>.</summary>
    public CancellationTokenSource Link(ServerCallContext call, double timeoutSeconds = 0)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(_root.Token, call.CancellationToken);
        if (timeoutSeconds > 0)
        {
            cts.CancelAfter(TimeSpan.FromSeconds(timeoutSeconds));
        }

        return cts;
    }

    public void Cancel()
    {
        _root.Cancel();
        CancelRequested?.Invoke();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_root.IsCancellationRequested)
        {
            await _root.CancelAsync().ConfigureAwait(false);
        }

        if (Interlocked.Exchange(ref _nodes, null) is { } nodes)
        {
            await nodes.DisposeAsync().ConfigureAwait(false);
        }

        _root.Dispose();
    }
}
