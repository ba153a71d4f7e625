using VgpuIac.Engine.Resources;

namespace VgpuIac.Terraform.Service;

/// <summary>
/// Per-process provider state: the configured nodes and the cancellation StopProvider triggers.
/// StopProvider cancels everything in flight and arms a fresh token for later calls.
/// </summary>
public sealed class ProviderSession : IAsyncDisposable
{
    private CancellationTokenSource _stop = new();
    private volatile INodeResolver _nodes = UnconfiguredNodes.Instance;

    public INodeResolver Nodes => _nodes;

    public CancellationToken StopToken => _stop.Token;

    public void Configure(INodeResolver nodes) => _nodes = nodes;

    public void Stop()
    {
        var previous = Interlocked.Exchange(ref _stop, new CancellationTokenSource());
        previous.Cancel();
    }

    public async ValueTask DisposeAsync()
    {
        switch (_nodes)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }

        _stop.Dispose();
    }
}
