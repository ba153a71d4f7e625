using System.Collections.Concurrent;
using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Logging;
using VgpuIac.Engine.Nodes;
using VgpuIac.Engine.Remote;
using VgpuIac.Engine.Resources;

namespace VgpuIac.Engine.Ssh;

/// <summary>
/// The configured nodes, each reached through one lazily created <see cref="SshRemoteShell"/> for the life of the
/// process (so each node costs one SSH handshake). Dispose to close the connections.
/// </summary>
public sealed class SshNodeResolver : INodeResolver, IAsyncDisposable
{
    private readonly ProviderSettings _settings;
    private readonly IEngineLog _log;
    private readonly SshTransportOptions _options;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, Lazy<SshRemoteShell>> _shells = new(StringComparer.Ordinal);
    private int _disposed;

    public SshNodeResolver(ProviderSettings settings, IEngineLog log, SshTransportOptions? options = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(log);
        _settings = settings;
        _log = log;
        _options = options ?? SshTransportOptions.Default;
        _time = time ?? TimeProvider.System;
    }

    public IReadOnlyList<string> NodeNames => _settings.NodeNames;

    public IRemoteShell? Resolve(string? name, AttributePath path, DiagnosticBag diagnostics)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        var shell = Shell(name);
        if (shell is not null)
        {
            return shell;
        }

        var known = string.Join(", ", NodeNames.Select(n => $"\"{n}\""));
        if (name is null)
        {
            diagnostics.Error(
                "Unable to choose a node",
                $"The provider has {NodeNames.Count} nodes ({known}); set `node` to one of them.",
                path);
        }
        else
        {
            diagnostics.Error(
                $"Unable to find node \"{name}\"",
                $"The provider has no node \"{name}\". Known nodes: {known}. Add a `node \"{name}\" {{ ... }}` block to the provider or fix the name.",
                path);
        }

        return null;
    }

    /// <summary>The shell of node <paramref name="name"/> (or of the only node when null); null when there is no such node.</summary>
    public SshRemoteShell? Shell(string? name)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var node = name is null
            ? _settings.Nodes.Length == 1 ? _settings.Nodes[0] : null
            : _settings.Find(name);
        if (node is null)
        {
            return null;
        }

        return _shells.GetOrAdd(node.Name, _ => new Lazy<SshRemoteShell>(() => new SshRemoteShell(node, _log, _options, _time))).Value;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (var shell in _shells.Values.Where(s => s.IsValueCreated))
        {
            await shell.Value.DisposeAsync().ConfigureAwait(false);
        }
    }
}
