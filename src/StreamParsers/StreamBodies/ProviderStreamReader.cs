using System.Buffers;
using System.Net.ServerSentEvents;
using System.Text;

namespace ToolFlow.StreamParsers;

/// <summary>Reads a whole response body from a <see cref="Stream"/> (an HTTP response, a file) into a parser.</summary>
public static class ProviderStreamReader
{
    private const int BufferSize = 16 * 1024;

    // Makes SseParser read a last event whose final blank line is missing, as StreamBodyParser.Complete does.
    private static readonly byte[] s_eventEnd = "\n\n"u8.ToArray();

    /// <summary>
    /// Reads the body to its end, feeding the parser, then completes the parser. A server-sent-events body read by a
    /// provider stream format (<c>openai-chat</c>, <c>anthropic</c>, ...) is framed by <see cref="SseParser"/> and given
    /// to the parser event by event; any other body (newline-delimited JSON, a JSON array, a model's
    /// raw text for a text format) is decoded as UTF-8 and appended as it arrives.
    /// </summary>
    /// <param name="body">The body; it is read, not disposed.</param>
    /// <param name="parser">A fresh parser for the response.</param>
    /// <param name="observer">Receives what the parser finds.</param>
    /// <param name="cancellationToken">Stops reading.</param>
    /// <returns>A task that completes when the body is read and the parser completed.</returns>
    /// <remarks>
    /// The calls, text and diagnostics are those that <see cref="ToolCallTextParser.Append"/> gives for the same body.
    /// Offsets differ for server-sent events: a parser given events counts event data, since
    /// <see cref="SseParser"/> does not say where an event ended in the body.
    /// </remarks>
    public static async Task ReadAsync(Stream body, ToolCallTextParser parser, IToolCallParserObserver observer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(parser);
        ArgumentNullException.ThrowIfNull(observer);

        byte[] head = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            // Look at the first bytes that are not white space to tell server-sent events from JSON.
            int length = 0;
            int first = -1;
            while (first < 0 && length < head.Length)
            {
                int read = await body.ReadAsync(head.AsMemory(length), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                length += read;
                first = FirstSignificant(head.AsSpan(0, length));
            }

            if (parser is StreamBodyParser provider && first >= 0 && head[first] is not ((byte)'{' or (byte)'['))
            {
                var replay = new StreamBodyReplayStream(head.AsMemory(0, length), body, s_eventEnd);
                SseParser<bool> events = SseParser.Create(replay, (eventType, data) =>
                {
                    provider.AppendEvent(eventType == SseParser.EventTypeDefault ? null : eventType, data, observer);
                    return true;
                });
                await foreach (SseItem<bool> _ in events.EnumerateAsync(cancellationToken).ConfigureAwait(false))
                {
                }
            }
            else
            {
                await AppendTextAsync(new StreamBodyReplayStream(head.AsMemory(0, length), body, default), parser, observer, cancellationToken).ConfigureAwait(false);
            }

            parser.Complete(observer);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(head);
        }
    }

    private static async Task AppendTextAsync(Stream body, ToolCallTextParser parser, IToolCallParserObserver observer, CancellationToken cancellationToken)
    {
        Decoder decoder = Encoding.UTF8.GetDecoder();
        byte[] bytes = ArrayPool<byte>.Shared.Rent(BufferSize);
        char[] chars = ArrayPool<char>.Shared.Rent(Encoding.UTF8.GetMaxCharCount(BufferSize) + 1);
        try
        {
            while (true)
            {
                int read = await body.ReadAsync(bytes.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false);
                int count = decoder.GetChars(bytes, 0, read, chars, 0, flush: read == 0);
                parser.Append(chars.AsSpan(0, count), observer);
                if (read == 0)
                {
                    return;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    private static int FirstSignificant(ReadOnlySpan<byte> bytes)
    {
        int i = bytes.StartsWith("\uFEFF"u8) ? 3 : 0;
        int at = bytes[i..].IndexOfAnyExcept(" \t\r\n"u8);
        return at < 0 ? -1 : i + at;
    }
}
