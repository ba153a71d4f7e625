using System.Net;
using VgpuIac.NodeSim;

namespace VgpuIac.Engine.Tests.Support;

/// <summary>
/// A plain-HTTP server on 127.0.0.1 that answers every request with the same bytes (an installer or a library the
/// engine downloads on the node), counting the requests. Dispose stops it.
/// </summary>
public sealed class FileServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _serving;
    private int _requests;

    public FileServer(byte[] content)
    {
        Port = LoopbackPorts.Reserve();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _serving = Task.Run(async () =>
        {
            while (_listener.IsListening)
            {
                HttpListenerContext c;
                try
                {
                    c = await _listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                Interlocked.Increment(ref _requests);
                c.Response.ContentLength64 = content.Length;
                await c.Response.OutputStream.WriteAsync(content);
                c.Response.Close();
            }
        });
    }

    public int Port { get; }

    /// <summary>How many requests were answered so far.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>The URL of <paramref name="path"/> (any path serves the same bytes).</summary>
    public string Url(string path) => $"http://127.0.0.1:{Port}/{path.TrimStart('/')}";

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        await _serving.ConfigureAwait(false);
        _listener.Close();
    }
}
