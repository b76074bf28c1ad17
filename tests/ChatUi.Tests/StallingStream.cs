using System.Text;

namespace ToolFlow.Samples.ChatUi.Tests;

/// <summary>
/// A response body the test can stall: while stalled, writes wait (as they do for a client that stops reading) until
/// it resumes. It keeps the text written, to show what the client was sent.
/// </summary>
internal sealed class StallingStream
{
    private readonly object _lock = new();
    private readonly StringBuilder _written = new();
    private TaskCompletionSource _open = Opened();

    public string Written
    {
        get
        {
            lock (_lock)
            {
                return _written.ToString();
            }
        }
    }

    public void Stall()
    {
        lock (_lock)
        {
            _open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public void Resume()
    {
        lock (_lock)
        {
            _open.TrySetResult();
        }
    }

    public Stream Over(Stream inner) => new Body(this, inner);

    private static TaskCompletionSource Opened()
    {
        var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        open.SetResult();
        return open;
    }

    private async ValueTask BeforeWriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        Task open;
        lock (_lock)
        {
            open = _open.Task;
        }

        await open.WaitAsync(cancellationToken);
        lock (_lock)
        {
            _written.Append(Encoding.UTF8.GetString(buffer.Span));
        }
    }

    private sealed class Body(StallingStream owner, Stream inner) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await owner.BeforeWriteAsync(buffer, cancellationToken);
            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override void Flush() => throw new NotSupportedException("The response is written asynchronously.");

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("The response is written asynchronously.");

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
