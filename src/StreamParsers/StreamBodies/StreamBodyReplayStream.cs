namespace ToolFlow.StreamParsers;

/// <summary>
/// A read-only stream that gives back bytes already read from a stream, then the rest of that stream, then a suffix:
/// how <see cref="ProviderStreamReader"/> looks at a body's first bytes and still hands the whole body on.
/// </summary>
internal sealed class StreamBodyReplayStream(ReadOnlyMemory<byte> prefix, Stream inner, ReadOnlyMemory<byte> suffix) : Stream
{
    private ReadOnlyMemory<byte> _prefix = prefix;
    private ReadOnlyMemory<byte> _suffix = suffix;
    private bool _innerEnded;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        if (TryTake(ref _prefix, buffer, out int taken))
        {
            return taken;
        }

        if (!_innerEnded)
        {
            int read = inner.Read(buffer);
            if (read > 0)
            {
                return read;
            }

            _innerEnded = true;
        }

        TryTake(ref _suffix, buffer, out taken);
        return taken;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        if (TryTake(ref _prefix, buffer.Span, out int taken))
        {
            return taken;
        }

        if (!_innerEnded)
        {
            int read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (read > 0)
            {
                return read;
            }

            _innerEnded = true;
        }

        TryTake(ref _suffix, buffer.Span, out taken);
        return taken;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private static bool TryTake(ref ReadOnlyMemory<byte> source, Span<byte> buffer, out int taken)
    {
        taken = Math.Min(source.Length, buffer.Length);
        source.Span[..taken].CopyTo(buffer);
        source = source[taken..];
        return taken > 0;
    }
}
