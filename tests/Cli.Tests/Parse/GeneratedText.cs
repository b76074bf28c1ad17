using System.Text;

namespace ToolFlow.Cli.Tests.Parse;

/// <summary>
/// A long plain text made on the fly (a line with accents and an emoji, repeated), as UTF-8 bytes for a parser's input
/// and as the characters a reader expects back, so neither side holds the whole text.
/// </summary>
internal sealed class GeneratedText
{
    // 41 characters, so text lines of 64 Ki characters end at every place in it, the emoji's high surrogate included.
    private const string Pattern = "Plain words, no calls: café, naïve 😀 ok\n";

    private readonly byte[] _bytes = Encoding.UTF8.GetBytes(Pattern);

    public GeneratedText(long minBytes) => Repeats = (minBytes + _bytes.Length - 1) / _bytes.Length;

    public long Repeats { get; }

    public long ByteLength => Repeats * _bytes.Length;

    public long CharLength => Repeats * Pattern.Length;

    /// <summary>The input, read once.</summary>
    public Stream Open() => new Reader(this);

    /// <summary>Whether <paramref name="text"/> is what comes at <paramref name="position"/> of the text.</summary>
    public bool Matches(long position, string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] != Pattern[(int)((position + i) % Pattern.Length)])
            {
                return false;
            }
        }

        return true;
    }

    private sealed class Reader(GeneratedText text) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => text.ByteLength;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int written = 0;
            while (written < buffer.Length && _position < text.ByteLength)
            {
                int at = (int)(_position % text._bytes.Length);
                int n = Math.Min(buffer.Length - written, text._bytes.Length - at);
                text._bytes.AsSpan(at, n).CopyTo(buffer[written..]);
                written += n;
                _position += n;
            }

            return written;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer, offset, count));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
