using ToolFlow.StreamParsers;

namespace ToolFlow.Cli.Parse;

/// <summary>
/// Feeds a parser characters as <c>toolflow parse --chunk-size</c> asks: as they come (no size), or in chunks of
/// exactly that many characters, the last one shorter. Holds at most one chunk.
/// </summary>
internal sealed class ChunkFeeder(ToolCallTextParser parser, IToolCallParserObserver observer, int? chunkSize)
{
    private readonly char[] _pending = new char[chunkSize ?? 0];
    private int _length;

    /// <summary>Feeds <paramref name="text"/>, holding back what does not fill a chunk.</summary>
    /// <param name="text">The next characters of the input.</param>
    public void Feed(ReadOnlySpan<char> text)
    {
        if (chunkSize is null)
        {
            parser.Append(text, observer);
            return;
        }

        while (!text.IsEmpty)
        {
            int take = Math.Min(_pending.Length - _length, text.Length);
            text[..take].CopyTo(_pending.AsSpan(_length));
            _length += take;
            text = text[take..];
            if (_length == _pending.Length)
            {
                Cut();
            }
        }
    }

    /// <summary>Feeds what is held back now, as a shorter chunk.</summary>
    public void Cut()
    {
        if (_length > 0)
        {
            parser.Append(_pending.AsSpan(0, _length), observer);
            _length = 0;
        }
    }
}
