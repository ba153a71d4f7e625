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
    private readonly ConcurrentDictionary<NodeSettings, Lazy<SshRemoteShell>> _endpoints = new();
    private readonly ConcurrentDictionary<SshRemoteShell, ObservedRemoteShell> _observed = new(ReferenceEqualityComparer.Instance);
    private int _disposed;

    /// <summary>The nodes of a provider configuration; each node's shell (one SSH connection) is opened on first use and shared.</summary>
    public SshNodeResolver(ProviderSettings settings, IEngineLog log, SshTransportOptions? options = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(log);
        _settings = settings;
        _log = log;
        _options = options ?? SshTransportOptions.Default;
        _time = time ?? TimeProvider.System;
        SshThreadPool.EnsureHeadroom();
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> NodeNames => _settings.NodeNames;

    /// <inheritdoc/>
    public IRemoteShell? Resolve(string? name, AttributePath path, DiagnosticBag diagnostics)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        var shell = Shell(name);
        if (shell is not null)
        {
            return Observed(shell);
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

    /// <summary>
    /// A shell on an endpoint that is not a configured node (e.g. a guest VM), one per distinct settings for the life of
    /// the resolver; the host key is verified like a node's. Null and a diagnostic when no host key is configured.
    /// </summary>
    public IRemoteShell? Connect(NodeSettings endpoint, AttributePath path, DiagnosticBag diagnostics)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(diagnostics);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (!endpoint.InsecureIgnoreHostKey && endpoint.HostKeySha256 is null && endpoint.KnownHostsFile is null)
        {
            diagnostics.Error(
                $"Unable to connect to {endpoint.Endpoint}",
                "No host key is configured for it, and host keys are never trusted on first use. Pin its SHA-256 fingerprint (`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on its console).",
                path);
            return null;
        }

        return Observed(_endpoints.GetOrAdd(endpoint, e => new Lazy<SshRemoteShell>(() => new SshRemoteShell(e, _log, _options, _time))).Value);
    }

    /// <summary>The engine sees every shell through one <see cref="ObservedRemoteShell"/>, so changes made through it invalidate the node's read caches.</summary>
    private ObservedRemoteShell Observed(SshRemoteShell shell) => _observed.GetOrAdd(shell, static s => new ObservedRemoteShell(s));

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

    /// <inheritdoc/>
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

        foreach (var shell in _endpoints.Values.Where(s => s.IsValueCreated))
        {
            await shell.Value.DisposeAsync().ConfigureAwait(false);
        }
    }
}
