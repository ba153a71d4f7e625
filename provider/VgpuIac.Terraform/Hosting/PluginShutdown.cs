using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;

namespace VgpuIac.Terraform.Hosting;

/// <summary>
/// go-plugin's <c>Shutdown</c> as the host sees it: <see cref="Requested"/> completes once the controller's answer has been
/// sent, and <see cref="ClientConnectionsClosedAsync"/> tells when the client has closed the connections it had open then
/// (go-plugin's client, and so Terraform, closes its connection as soon as the answer arrives: after that nothing the
/// process still has to send is in flight).
/// </summary>
public sealed class PluginShutdown
{
    private readonly TaskCompletionSource _requested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<string, Task> _connections = new(StringComparer.Ordinal);

    /// <summary>Completes when <c>Shutdown</c> has been answered.</summary>
    public Task Requested => _requested.Task;

    public void Request() => _requested.TrySetResult();

    /// <summary>Kestrel connection middleware (outermost, before TLS): notes each connection from accept to close.</summary>
    public ConnectionDelegate Track(ConnectionDelegate next) => async connection =>
    {
        StartupTrace.Mark("connection");
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _connections[connection.ConnectionId] = closed.Task;
        try
        {
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            _connections.TryRemove(connection.ConnectionId, out _);
            closed.TrySetResult();
        }
    };

    /// <summary>Completes when every client connection open now has been closed (at once when none is).</summary>
    public Task ClientConnectionsClosedAsync() => Task.WhenAll(_connections.Values);
}
