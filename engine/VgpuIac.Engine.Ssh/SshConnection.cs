using System.Net.Sockets;
using System.Text;
using Renci.SshNet;
using Renci.SshNet.Common;
using VgpuIac.Engine.Logging;
using VgpuIac.Engine.Nodes;
using VgpuIac.Engine.Remote;

namespace VgpuIac.Engine.Ssh;

/// <summary>One authenticated SSH connection to a node, with what it owns (authentication methods, key files).</summary>
internal sealed class SshConnection : IDisposable
{
    private readonly IReadOnlyList<IDisposable> _owned;
    private int _disposed;

    private SshConnection(SshClient client, IReadOnlyList<IDisposable> owned)
    {
        Client = client;
        _owned = owned;
    }

    public SshClient Client { get; }

    /// <summary>True while the connection is up; false once it dropped or was disposed.</summary>
    public bool IsConnected
    {
        get
        {
            if (Volatile.Read(ref _disposed) != 0)
            {
                return false;
            }

            try
            {
                return Client.IsConnected;
            }
            catch (ObjectDisposedException)
            {
                return false;
            }
        }
    }

    /// <summary>
    /// Connects within <paramref name="budget"/>, retrying refused and timed-out attempts with exponential backoff.
    /// Host key and authentication failures are not retried.
    /// </summary>
    public static async Task<SshConnection> OpenAsync(
        NodeSettings node,
        SshTransportOptions options,
        IEngineLog log,
        TimeProvider time,
        TimeSpan budget,
        CancellationToken cancellationToken)
    {
        var start = time.GetTimestamp();
        var delay = options.InitialRetryDelay;
        var attempt = 0;
        Exception? last = null;
        while (true)
        {
            var remaining = budget - time.GetElapsedTime(start);
            if (remaining <= TimeSpan.Zero)
            {
                break;
            }

            attempt++;
            var owned = new List<IDisposable>();
            HostKeyVerdict? verdict = null;
            SshClient? client = null;
            try
            {
                var info = new ConnectionInfo(node.Host, node.Port, node.User, CreateAuthenticationMethods(node, owned))
                {
                    Timeout = remaining < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : remaining,
                    Encoding = Encoding.UTF8,
                };
                PreferKeyExchange(info, options.PreferredKeyExchange);
                client = new SshClient(info) { KeepAliveInterval = options.KeepAliveInterval };
                string? presentedKey = null;
                client.HostKeyReceived += (_, e) =>
                {
                    verdict = HostKeyVerifier.Verify(node, e.HostKey, e.FingerPrintSHA256);
                    e.CanTrust = verdict.Trusted;
                    presentedKey = $"{KnownHosts.KeyType(e.HostKey)} SHA256:{HostKeyVerifier.Fingerprint(e.HostKey)}";
                };

                using var attemptTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                attemptTimeout.CancelAfter(remaining);
                await client.ConnectAsync(attemptTimeout.Token).ConfigureAwait(false);
                log.Write(
                    LogLevel.Debug,
                    $"ssh {node.Name}: connected to {node.Endpoint} in {time.GetElapsedTime(start).TotalMilliseconds:F0} ms (attempt {attempt}, kex {client.ConnectionInfo.CurrentKeyExchangeAlgorithm})");
                if (node.KnownHostsFileIsDefault && node.HostKeySha256 is null && !node.InsecureIgnoreHostKey)
                {
                    log.Write(
                        LogLevel.Warn,
                        $"ssh {node.Name}: host key {presentedKey} of {node.Endpoint} trusted because it is listed in {node.KnownHostsFile} (no host_key_sha256 or known_hosts_file configured)");
                }

                return new SshConnection(client, owned);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                client?.Dispose();
                DisposeAll(owned);
                if (verdict is { Trusted: false } refused)
                {
                    throw new NodeConnectionException(refused.Problem ?? "Host key verification failed.", e)
                    {
                        NodeName = node.Name,
                        HostKeyMismatch = true,
                        Remedy = refused.Remedy,
                    };
                }

                if (e is SshAuthenticationException)
                {
                    throw new NodeConnectionException(
                        $"Authentication as {node.User} on {node.Host}:{node.Port} failed (tried {string.Join(", ", node.AuthenticationMethods())}): {e.Message}",
                        e)
                    {
                        NodeName = node.Name,
                        Remedy = $"Check that the key is in ~{node.User}/.ssh/authorized_keys on the node (or the password), and the `user` of node \"{node.Name}\".",
                    };
                }

                if (e is NodeConnectionException)
                {
                    throw;
                }

                if (!IsTransient(e))
                {
                    throw new NodeConnectionException($"Unable to connect to {node.Endpoint}: {e.Message}", e)
                    {
                        NodeName = node.Name,
                        Remedy = "Check the node's SSH server configuration and the provider's connection settings.",
                    };
                }

                last = e;
                var wait = delay < budget - time.GetElapsedTime(start) ? delay : budget - time.GetElapsedTime(start);
                if (wait <= TimeSpan.Zero)
                {
                    break;
                }

                log.Write(LogLevel.Debug, $"ssh {node.Name}: connect attempt {attempt} to {node.Endpoint} failed ({e.GetType().Name}: {e.Message}); retrying in {wait.TotalMilliseconds:F0} ms");
                await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
                delay = delay * 2 < options.MaxRetryDelay ? delay * 2 : options.MaxRetryDelay;
            }
            catch
            {
                client?.Dispose();
                DisposeAll(owned);
                throw;
            }
        }

        throw new NodeConnectionException(
            $"Unable to connect to {node.Endpoint} within {budget.TotalSeconds:F0} s ({attempt} attempts): {last?.Message ?? "timed out"}",
            last ?? new TimeoutException())
        {
            NodeName = node.Name,
            Remedy = $"Check that the node is up and that sshd listens on {node.Host}:{node.Port}; raise `connect_timeout` if it is slow to answer.",
        };
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            if (Client.IsConnected)
            {
                Client.Disconnect();
            }
        }
        catch (Exception e) when (e is SshException or SocketException or ObjectDisposedException or InvalidOperationException or IOException)
        {
            // Already gone.
        }

        Client.Dispose();
        DisposeAll(_owned);
    }

    private static AuthenticationMethod[] CreateAuthenticationMethods(NodeSettings node, List<IDisposable> owned)
    {
        var methods = new List<AuthenticationMethod>();
        var keys = new List<IPrivateKeySource>();
        try
        {
            if (node.PrivateKey is { } text)
            {
                using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text.Trim() + "\n"));
                var key = new PrivateKeyFile(stream);
                owned.Add(key);
                keys.Add(key);
            }

            if (node.PrivateKeyFile is { } path)
            {
                var key = new PrivateKeyFile(path);
                owned.Add(key);
                keys.Add(key);
            }
        }
        catch (Exception e) when (e is SshException or IOException or UnauthorizedAccessException or ArgumentException or FormatException or NotSupportedException)
        {
            throw new NodeConnectionException($"Unable to load the private key of node \"{node.Name}\": {e.GetType().Name}", e)
            {
                NodeName = node.Name,
                Remedy = "Use an unencrypted OpenSSH or PEM private key (ed25519, ECDSA or RSA), or an ssh-agent for encrypted keys.",
            };
        }

        if (keys.Count > 0)
        {
            methods.Add(Own(new PrivateKeyAuthenticationMethod(node.User, [.. keys]), owned));
        }

        if (node.UseAgent && node.AgentSocket is { } socket)
        {
            methods.Add(Own(new PrivateKeyAuthenticationMethod(node.User, new SshAgentKeySource(socket)), owned));
        }

        if (node.Password is { } password)
        {
            methods.Add(Own(new PasswordAuthenticationMethod(node.User, password), owned));
            var keyboard = Own(new KeyboardInteractiveAuthenticationMethod(node.User), owned);
            keyboard.AuthenticationPrompt += (_, e) =>
            {
                foreach (var prompt in e.Prompts)
                {
                    prompt.Response = password;
                }
            };
            methods.Add(keyboard);
        }

        return [.. methods];
    }

    private static T Own<T>(T item, List<IDisposable> owned)
        where T : IDisposable
    {
        owned.Add(item);
        return item;
    }

    /// <summary>Moves <paramref name="preferred"/> to the front of the key exchange list (dictionary order is the offer order).</summary>
    private static void PreferKeyExchange(ConnectionInfo info, string? preferred)
    {
        if (preferred is null || !info.KeyExchangeAlgorithms.TryGetValue(preferred, out var factory))
        {
            return;
        }

        var rest = info.KeyExchangeAlgorithms.Where(kv => kv.Key != preferred).ToList();
        info.KeyExchangeAlgorithms.Clear();
        info.KeyExchangeAlgorithms.Add(preferred, factory);
        foreach (var (name, value) in rest)
        {
            info.KeyExchangeAlgorithms.Add(name, value);
        }
    }

    private static bool IsTransient(Exception e) =>
        e is SocketException or SshConnectionException or SshOperationTimeoutException or TimeoutException or OperationCanceledException or ProxyException or IOException
        || e.InnerException is SocketException;

    private static void DisposeAll(IEnumerable<IDisposable> items)
    {
        foreach (var item in items)
        {
            item.Dispose();
        }
    }
}
