using System.Buffers;
using System.Runtime.CompilerServices;

namespace ToolFlow.StreamParsers;

/// <summary>
/// The fixed strings (tags, special tokens) an <see cref="XmlParameterCallReader"/> looks for in one state, with a
/// fast search for where one may begin.
/// </summary>
/// <remarks>
/// When one marker is a prefix of another (<c>]&lt;]minimax[&gt;[&lt;</c> and <c>]&lt;]minimax[&gt;[&lt;/invoke&gt;</c>), the
/// longest one that matches wins, and a shorter full match is held while a longer one may still match.
/// </remarks>
internal sealed class XmlMarkerSet
{
    // The longest run of characters searched one by one rather than with the vectorized search, which costs more
    // than it saves on the few characters of a token.
    private const int ShortText = 16;

    private readonly string[] _markers;
    private readonly SearchValues<char>? _starts;

    // The first character of every marker, when they all begin with the same one.
    private readonly char _onlyStart;
    private readonly bool _hasOnlyStart;

    /// <summary>Initializes a set.</summary>
    /// <param name="markers">The markers, each at least one character; a marker's index is its id.</param>
    public XmlMarkerSet(params string[] markers)
    {
        _markers = markers;
        if (markers.Length > 0)
        {
            string starts = string.Concat(markers.Select(m => m[0]).Distinct());
            _starts = SearchValues.Create(starts);
            _hasOnlyStart = starts.Length == 1;
            _onlyStart = starts[0];
        }

        MaxLength = markers.Length == 0 ? 0 : markers.Max(m => m.Length);
    }

    /// <summary>An empty set: everything is content.</summary>
    public static XmlMarkerSet None { get; } = new();

    /// <summary>The longest marker's length.</summary>
    public int MaxLength { get; }

    /// <summary>The marker of an id.</summary>
    /// <param name="id">The id.</param>
    public string this[int id] => _markers[id];

    /// <summary>Where the first character that may begin a marker is, or -1.</summary>
    /// <param name="text">The text to search.</param>
    /// <returns>The index, or -1.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int IndexOfCandidate(ReadOnlySpan<char> text)
    {
        if (_starts is null)
        {
            return -1;
        }

        if (text.Length > ShortText)
        {
            return text.IndexOfAny(_starts);
        }

        for (int i = 0; i < text.Length; i++)
        {
            if (_hasOnlyStart ? text[i] == _onlyStart : _starts.Contains(text[i]))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// A marker longer than <paramref name="held"/> followed by <paramref name="next"/> that begins with them, if
    /// there is one: then <see cref="Match"/> of those characters is <see cref="Partial"/> (before the end of the input).
    /// </summary>
    /// <param name="held">The characters read so far from a candidate position.</param>
    /// <param name="next">The character after them.</param>
    /// <returns>The marker, or <see langword="null"/> when none is still undecided with <paramref name="next"/>.</returns>
    public string? FindContinuation(ReadOnlySpan<char> held, char next)
    {
        foreach (string marker in _markers)
        {
            if (marker.Length > held.Length + 1 && marker[held.Length] == next && marker.AsSpan(0, held.Length).SequenceEqual(held))
            {
                return marker;
            }
        }

        return null;
    }

    /// <summary>Matches the markers at the start of a text.</summary>
    /// <param name="text">The text from a candidate position to the end of the input read so far.</param>
    /// <param name="isFinal">Whether no more input will come (a marker cut off by the end is then no match).</param>
    /// <param name="length">The length of the full match, when the result is a marker id.</param>
    /// <returns>The id of the marker that matches, <see cref="Partial"/> when the text ends before it is decided, or <see cref="NoMatch"/>.</returns>
    public int Match(ReadOnlySpan<char> text, bool isFinal, out int length)
    {
        int best = NoMatch;
        length = 0;
        bool undecided = false;
        for (int id = 0; id < _markers.Length; id++)
        {
            string marker = _markers[id];
            int common = text.CommonPrefixLength(marker);
            if (common == marker.Length)
            {
                if (marker.Length > length)
                {
                    best = id;
                    length = marker.Length;
                }
            }
            else if (common == text.Length && !isFinal)
            {
                undecided = true;
            }
        }

        // A longer marker may still match (every full match is no longer than the text): decide only when it cannot.
        if (undecided)
        {
            length = 0;
            return Partial;
        }

        return best;
    }

    /// <summary>The result of <see cref="Match"/> when no marker begins here.</summary>
    public const int NoMatch = -1;

    /// <summary>The result of <see cref="Match"/> when the text ends inside what may be a marker.</summary>
    public const int Partial = -2;
}
