using System.Threading.Channels;
using Grpc.Net.Client;
using VgpuIac.Pulumi.Rpc;

namespace VgpuIac.Pulumi.Logging;

/// <summary>
/// Sends log lines to the Pulumi engine's <c>Engine.Log</c> service in order, from one background pump, so callers
/// never wait on the engine. Lines written before the engine address is known, or when the engine cannot be reached,
/// go to stderr (which the engine keeps in its debug log).
/// </summary>
public sealed class EngineLogSink : IAsyncDisposable
{
    private readonly Channel<LogRequest> _queue = Channel.CreateUnbounded<LogRequest>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TextWriter _stderr;
    private readonly Task _pump;
    private string? _address;
    private GrpcChannel? _channel;
    private Rpc.Engine.EngineClient? _client;

    public EngineLogSink(string? engineAddress, TextWriter? stderr = null)
    {
        _stderr = stderr ?? Console.Error;
        _address = engineAddress;
        _pump = Task.Run(PumpAsync);
    }

    /// <summary>The engine's address (host:port), from argv, Handshake or Attach.</summary>
    public string? Address
    {
        get => Volatile.Read(ref _address);
        set => Volatile.Write(ref _address, value);
    }

    public void Send(LogRequest request) => _queue.Writer.TryWrite(request);

    /// <summary>A line for the provider's own debug log (stderr); never shown to the user.</summary>
    public void Debug(string message)
    {
        lock (_stderr)
        {
            _stderr.WriteLine(message);
            _stderr.Flush();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await Task.WhenAny(_pump, Task.Delay(TimeSpan.FromSeconds(1))).ConfigureAwait(false);
        _channel?.Dispose();
    }

    private async Task PumpAsync()
    {
        await foreach (var request in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            var client = Client();
            if (client is null)
            {
                Debug($"[{request.Severity}] {request.Message}");
                continue;
            }

            try
            {
#pragma warning disable RS0030 // gRPC's deadline is a wall-clock DateTime (the call's own timeout, not the engine's time)
                await client.LogAsync(request, deadline: DateTime.UtcNow.AddSeconds(5)).ResponseAsync.ConfigureAwait(false);
#pragma warning restore RS0030
            }
            catch (Grpc.Core.RpcException e)
            {
                Debug($"[{request.Severity}] {request.Message} (engine log failed: {e.Status.StatusCode})");
            }
        }
    }

    private Rpc.Engine.EngineClient? Client()
    {
        var address = Address;
        if (string.IsNullOrEmpty(address))
        {
            return null;
        }

        if (_client is null)
        {
            _channel = GrpcChannel.ForAddress(address.Contains("://", StringComparison.Ordinal) ? address : "http://" + address);
            _client = new Rpc.Engine.EngineClient(_channel);
        }

        return _client;
    }
}
