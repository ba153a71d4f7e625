using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Grpc.Net.Client;
using VgpuIac.Terraform.Hosting;

namespace VgpuIac.Terraform.Tests.Support;

/// <summary>Plays go-plugin's client: starts the provider binary with the plugin environment and reads the handshake.</summary>
public sealed class ProviderProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource<string> _firstLine = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _stdoutPump;
    private readonly Task _stderrPump;

    private ProviderProcess(Process process)
    {
        _process = process;
        _stdoutPump = Task.Run(async () =>
        {
            var buffer = new char[4096];
            int read;
            while ((read = await process.StandardOutput.ReadAsync(buffer)) > 0)
            {
                lock (_stdout)
                {
                    _stdout.Append(buffer, 0, read);
                    var text = _stdout.ToString();
                    if (text.Contains('\n', StringComparison.Ordinal))
                    {
                        _firstLine.TrySetResult(text[..text.IndexOf('\n', StringComparison.Ordinal)]);
                    }
                }
            }

            _firstLine.TrySetResult("");
        });
        _stderrPump = Task.Run(async () =>
        {
            var text = await process.StandardError.ReadToEndAsync();
            lock (_stderr)
            {
                _stderr.Append(text);
            }
        });
    }

    public static ProviderProcess Start(IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var info = new ProcessStartInfo(ProviderBinary.Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var name in new[] { PluginEnvironment.MagicCookieKey, "PLUGIN_CLIENT_CERT", "PLUGIN_PROTOCOL_VERSIONS", "TF_LOG", "TF_LOG_PROVIDER" })
        {
            info.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        return new ProviderProcess(Process.Start(info) ?? throw new InvalidOperationException("could not start the provider"));
    }

    /// <summary>The plugin environment Terraform sets, with AutoMTLS.</summary>
    public static Dictionary<string, string?> PluginEnvironment_(X509Certificate2? clientCertificate) => new()
    {
        [PluginEnvironment.MagicCookieKey] = PluginEnvironment.MagicCookieValue,
        ["PLUGIN_PROTOCOL_VERSIONS"] = "5,6",
        ["PLUGIN_MIN_PORT"] = "10000",
        ["PLUGIN_MAX_PORT"] = "25000",
        ["PLUGIN_CLIENT_CERT"] = clientCertificate?.ExportCertificatePem(),
        ["TF_LOG_PROVIDER"] = "trace",
    };

    public Process Process => _process;

    public string Stdout
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public async Task<string> HandshakeAsync() => await _firstLine.Task.WaitAsync(TimeSpan.FromSeconds(30));

    public async Task<int> WaitForExitAsync(TimeSpan limit)
    {
        using var cts = new CancellationTokenSource(limit);
        await _process.WaitForExitAsync(cts.Token);
        await Task.WhenAll(_stdoutPump, _stderrPump).WaitAsync(TimeSpan.FromSeconds(5));
        return _process.ExitCode;
    }

    /// <summary>A channel to the address in the handshake, pinning the server certificate from field 6.</summary>
    public static GrpcChannel Connect(string handshake, X509Certificate2? clientCertificate)
    {
        var fields = handshake.Split('|');
        var port = fields[3].Split(':')[1];
        if (fields[5].Length == 0)
        {
            return GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
        }

        var serverDer = Convert.FromBase64String(Pad(fields[5]));
        var handler = new SocketsHttpHandler();
        handler.SslOptions.TargetHost = "localhost";
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && certificate.GetRawCertData().AsSpan().SequenceEqual(serverDer);
        if (clientCertificate is not null)
        {
            handler.SslOptions.ClientCertificates = [clientCertificate];
        }

        return GrpcChannel.ForAddress($"https://127.0.0.1:{port}", new GrpcChannelOptions { HttpHandler = handler });
    }

    public static string Pad(string base64) => base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
