namespace ToolFlow.StreamParsers.Tests;

/// <summary>A readable stream over bytes that gives each read at most the next of a list of lengths (then cycles).</summary>
internal sealed class TrickleStream(byte[] bytes, IReadOnlyList<int> lengths) : MemoryStream(bytes, writable: false)
{
    private int _read;

    public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Next(count));

    public override int Read(Span<byte> buffer) => base.Read(buffer[..Next(buffer.Length)]);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        base.ReadAsync(buffer, offset, Next(count), cancellationToken);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        base.ReadAsync(buffer[..Next(buffer.Length)], cancellationToken);

    private int Next(int count) => Math.Min(count, lengths[_read++ % lengths.Count]);
}
