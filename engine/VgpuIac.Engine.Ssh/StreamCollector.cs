using System.Globalization;
using System.Text;

namespace VgpuIac.Engine.Ssh;

/// <summary>Drains a command's output stream in the background while it runs, so its first line can be read early.</summary>
internal sealed class StreamCollector
{
    private readonly MemoryStream _buffer = new();
    private readonly Task _drain;

    public StreamCollector(Stream? stream)
    {
        _drain = stream is null ? Task.CompletedTask : Task.Run(() => Drain(stream));
    }

    /// <summary>The session id printed by the command prefix (<c>vgpuiac-sid:N</c>), when it has arrived.</summary>
    public int? SessionId()
    {
        string text;
        lock (_buffer)
        {
            text = Encoding.ASCII.GetString(_buffer.GetBuffer(), 0, (int)Math.Min(_buffer.Length, 64));
        }

        const string marker = "vgpuiac-sid:";
        if (!text.StartsWith(marker, StringComparison.Ordinal))
        {
            return null;
        }

        var end = text.IndexOf('\n', StringComparison.Ordinal);
        return end > marker.Length && int.TryParse(text.AsSpan(marker.Length, end - marker.Length).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var sid) ? sid : null;
    }

    /// <summary>Everything the stream carried, once it has ended.</summary>
    public async Task<byte[]> CompleteAsync()
    {
        await _drain.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        lock (_buffer)
        {
            return _buffer.ToArray();
        }
    }

    private void Drain(Stream stream)
    {
        var chunk = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
            {
                lock (_buffer)
                {
                    _buffer.Write(chunk, 0, read);
                }
            }
        }
        catch (ObjectDisposedException)
        {
            // The command was disposed: what we have is all there is.
        }
    }
}
