using System.Buffers.Binary;
using System.IO.Pipelines;

namespace VgpuIac.Terraform.Hosting;

/// <summary>A pipe writer that passes everything to <paramref name="inner"/>; the writers below look at what goes through.</summary>
internal abstract class ForwardingWriter(PipeWriter inner) : PipeWriter
{
    protected PipeWriter Inner => inner;

    public override void Advance(int bytes) => inner.Advance(bytes);

    public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);

    public override void CancelPendingFlush() => inner.CancelPendingFlush();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

    public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

    public override long UnflushedBytes => inner.UnflushedBytes;
}

/// <summary>A connection's output as it goes to the socket, counting the bytes written (see <see cref="PluginShutdown"/>).</summary>
internal sealed class CountingWriter(PipeWriter inner) : ForwardingWriter(inner)
{
    private long _written;

    /// <summary>Bytes written so far (advanced into the socket's pipe).</summary>
    public long Written => Interlocked.Read(ref _written);

    public override void Advance(int bytes)
    {
        Inner.Advance(bytes);
        Interlocked.Add(ref _written, bytes);
    }
}

/// <summary>
/// The HTTP/2 frames Kestrel writes on a connection (above TLS), read as they are written: when the frame that ends the
/// Shutdown call's stream (DATA or HEADERS with END_STREAM) has been written and the flush that carries it has completed,
/// the connection is told (<see cref="PluginShutdown.Connection.AnswerFlushed"/>). A server's output is frames from its
/// first byte (the client sends the preface). Frames are only read, never changed.
/// </summary>
internal sealed class Http2FrameWatch(PipeWriter inner, PluginShutdown.Connection connection) : ForwardingWriter(inner)
{
    private const int HeaderLength = 9;
    private const byte Data = 0x0, Headers = 0x1, EndStream = 0x1;
    private readonly byte[] _header = new byte[HeaderLength];
    private Memory<byte> _buffer;
    private int _headerFill;
    private long _payloadLeft;
    private bool _answerEnded;

    public override Memory<byte> GetMemory(int sizeHint = 0) => _buffer = Inner.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

    public override void Advance(int bytes)
    {
        Read(_buffer.Span[..bytes]);
        Inner.Advance(bytes);
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        if (!_answerEnded)
        {
            return Inner.FlushAsync(cancellationToken);
        }

        _answerEnded = false;
        return Told(Inner.FlushAsync(cancellationToken));
    }

    private async ValueTask<FlushResult> Told(ValueTask<FlushResult> flush)
    {
        var result = await flush.ConfigureAwait(false);
        connection.AnswerFlushed();
        return result;
    }

    private void Read(ReadOnlySpan<byte> written)
    {
        while (!written.IsEmpty)
        {
            if (_payloadLeft > 0)
            {
                var skip = (int)Math.Min(_payloadLeft, written.Length);
                _payloadLeft -= skip;
                written = written[skip..];
                continue;
            }

            var take = Math.Min(HeaderLength - _headerFill, written.Length);
            written[..take].CopyTo(_header.AsSpan(_headerFill));
            _headerFill += take;
            written = written[take..];
            if (_headerFill < HeaderLength)
            {
                return;
            }

            _headerFill = 0;
            _payloadLeft = (_header[0] << 16) | (_header[1] << 8) | _header[2];
            var type = _header[3];
            var streamId = BinaryPrimitives.ReadInt32BigEndian(_header.AsSpan(5)) & 0x7FFFFFFF;
            if (type is Data or Headers && (_header[4] & EndStream) != 0 && streamId == connection.ShutdownStream)
            {
                _answerEnded = true;
            }
        }
    }
}
