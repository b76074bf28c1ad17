using System.Net.ServerSentEvents;
using System.Threading.Channels;

namespace ToolFlow.AspNetCore;

/// <summary>
/// One SSE client of a conversation: a bounded buffer the hub writes to without ever waiting. When the buffer is
/// full the client has fallen behind: its buffered events are dropped, later ones are counted and skipped, and a
/// resync marker tells its reader to send <c>lagged</c> and a fresh snapshot. <see cref="Offer"/> and
/// <see cref="Resync"/> are called under the hub's lock only.
/// </summary>
internal sealed class ChatSubscriber
{
    // Marks where the client fell behind; compared by reference, never sent.
    public static readonly SseItem<string> ResyncMarker = new(string.Empty, "resync");

    private readonly Channel<SseItem<string>> _buffer;
    private bool _lagging;
    private long _skipped;

    public ChatSubscriber(int capacity)
    {
        _buffer = Channel.CreateBounded<SseItem<string>>(new BoundedChannelOptions(capacity)
        {
            SingleReader = false, // the hub drains it too, when the client falls behind
            SingleWriter = false, // completed from outside the hub's lock when the client goes
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public ChannelReader<SseItem<string>> Reader => _buffer.Reader;

    public static bool IsResyncMarker(SseItem<string> item) => ReferenceEquals(item.Data, ResyncMarker.Data) && ReferenceEquals(item.EventType, ResyncMarker.EventType);

    public void Offer(SseItem<string> item)
    {
        if (_lagging)
        {
            _skipped++;
            return;
        }

        if (!_buffer.Writer.TryWrite(item))
        {
            // Full: the client stalled. Drop what it holds so memory stays bounded, and leave one marker in its place.
            while (_buffer.Reader.TryRead(out _))
            {
                _skipped++;
            }

            _skipped++;
            _lagging = true;
            _buffer.Writer.TryWrite(ResyncMarker);
        }
    }

    /// <summary>The client reached the marker: how many events it missed; it takes events again from now.</summary>
    public long Resync()
    {
        long skipped = _skipped;
        (_skipped, _lagging) = (0, false);
        return skipped;
    }

    public void Complete() => _buffer.Writer.TryComplete();
}
