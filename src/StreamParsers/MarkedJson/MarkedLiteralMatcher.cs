namespace ToolFlow.StreamParsers;

/// <summary>What feeding one character to a <see cref="MarkedLiteralMatcher"/> gave.</summary>
internal enum MarkedLiteralMatch : byte
{
    /// <summary>The character was consumed; the characters so far begin a literal that is longer.</summary>
    Pending,

    /// <summary>The character was consumed and completes <see cref="MarkedLiteralMatcher.Alternative"/>.</summary>
    Matched,

    /// <summary>
    /// The character was not consumed. <see cref="MarkedLiteralMatcher.Alternative"/> matched earlier (a shorter
    /// literal, or a lookahead, while a longer one was still possible); of the consumed characters,
    /// <see cref="MarkedLiteralSet.ConsumedLength"/> belong to it and the rest must be read again.
    /// </summary>
    Fallback,

    /// <summary>The character was not consumed; the consumed characters begin no literal that it continues.</summary>
    Mismatch,
}

/// <summary>
/// An anchored, resumable matcher for the literals of a <see cref="MarkedLiteralSet"/>, fed one character at a time,
/// with longest-match semantics. The consumed characters are always a prefix of a literal, so the matcher keeps no
/// buffer: <see cref="Consumed"/> reads them back from the literal.
/// </summary>
/// <remarks>This is a mutable struct: keep it in a field and call it in place.</remarks>
internal struct MarkedLiteralMatcher
{
    private MarkedLiteralSet? _set;
    private int _prefixAlternative;
    private int _length;
    private int _fallback;
    private int _result;

    /// <summary>The set being matched.</summary>
    public readonly MarkedLiteralSet Set => _set!;

    /// <summary>How many characters have been consumed since the last reset.</summary>
    public readonly int Length => _length;

    /// <summary>The literal that matched, after <see cref="MarkedLiteralMatch.Matched"/> or <see cref="MarkedLiteralMatch.Fallback"/>.</summary>
    public readonly int Alternative => _result;

    /// <summary>The consumed characters.</summary>
    public readonly ReadOnlySpan<char> Consumed => _length == 0 ? default : _set![_prefixAlternative].AsSpan(0, _length);

    /// <summary>Starts matching a set afresh.</summary>
    /// <param name="set">The set.</param>
    public void Reset(MarkedLiteralSet set)
    {
        _set = set;
        _length = 0;
        _fallback = -1;
        _prefixAlternative = -1;
        _result = -1;
    }

    /// <summary>Forgets the consumed characters and keeps the set.</summary>
    public void Reset() => Reset(_set!);

    /// <summary>Feeds the next character.</summary>
    /// <param name="c">The character.</param>
    /// <returns>What it gave; see <see cref="MarkedLiteralMatch"/>.</returns>
    public MarkedLiteralMatch Feed(char c)
    {
        MarkedLiteralSet set = _set!;
        int k = _length;
        ReadOnlySpan<char> prefix = Consumed;
        int full = -1;
        int longer = -1;
        for (int a = 0; a < set.Count; a++)
        {
            string literal = set[a];
            if (literal.Length <= k || literal[k] != c || (k > 0 && !literal.AsSpan(0, k).SequenceEqual(prefix)))
            {
                continue;
            }

            if (literal.Length == k + 1)
            {
                full = a;
            }
            else
            {
                longer = a;
            }
        }

        if (full < 0 && longer < 0)
        {
            if (_fallback >= 0)
            {
                _result = _fallback;
                return MarkedLiteralMatch.Fallback;
            }

            return MarkedLiteralMatch.Mismatch;
        }

        if (longer < 0)
        {
            _result = full;
            if (set.IsLookahead(full))
            {
                // A lookahead is never consumed.
                _fallback = full;
                return MarkedLiteralMatch.Fallback;
            }

            _prefixAlternative = full;
            _length = k + 1;
            return MarkedLiteralMatch.Matched;
        }

        if (full >= 0)
        {
            _fallback = full;
        }

        _prefixAlternative = longer;
        _length = k + 1;
        return MarkedLiteralMatch.Pending;
    }
}
