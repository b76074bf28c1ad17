using System.Buffers;

namespace ToolFlow.StreamParsers;

/// <summary>
/// A small set of literal markers that a <see cref="MarkedLiteralMatcher"/> looks for, for example the start markers
/// of a tool-call format. A one-character literal may be a lookahead: it matches without being consumed (a bare
/// <c>{</c> that begins a JSON value).
/// </summary>
internal sealed class MarkedLiteralSet
{
    private readonly string[] _literals;
    private readonly bool[] _lookahead;

    /// <summary>Initializes the set.</summary>
    /// <param name="literals">The literals; none empty, and no two equal.</param>
    /// <param name="lookahead">For each literal, whether it is a one-character lookahead; or <see langword="null"/> for none.</param>
    public MarkedLiteralSet(IReadOnlyList<string> literals, IReadOnlyList<bool>? lookahead = null)
    {
        _literals = [.. literals];
        _lookahead = lookahead is null ? new bool[_literals.Length] : [.. lookahead];
        if (_lookahead.Length != _literals.Length)
        {
            throw new ArgumentException("One lookahead flag per literal is needed.", nameof(lookahead));
        }

        var first = new HashSet<char>();
        var second = new HashSet<char>();
        var single = new HashSet<char>();
        for (int a = 0; a < _literals.Length; a++)
        {
            string literal = _literals[a];
            if (literal.Length == 0 || (_lookahead[a] && literal.Length != 1))
            {
                throw new ArgumentException($"The literal '{literal}' is empty, or a lookahead longer than one character.", nameof(literals));
            }

            if (Array.IndexOf(_literals, literal) != a)
            {
                throw new ArgumentException($"The literal '{literal}' appears twice.", nameof(literals));
            }

            first.Add(literal[0]);
            if (literal.Length == 1)
            {
                single.Add(literal[0]);
            }
            else
            {
                second.Add(literal[1]);
            }

            MaxLength = Math.Max(MaxLength, literal.Length);
        }

        FirstChars = SearchValues.Create([.. first]);
        _secondChars = SearchValues.Create([.. second]);
        _singleChars = SearchValues.Create([.. single]);
    }

    private readonly SearchValues<char> _secondChars;
    private readonly SearchValues<char> _singleChars;

    /// <summary>
    /// Whether two characters cannot begin any literal: a quick test before matching in earnest, for the many
    /// characters in text that begin a literal but are not one (every <c>&lt;</c> of <c>a &lt; b</c>).
    /// </summary>
    /// <param name="first">A character that begins a literal.</param>
    /// <param name="second">The character after it.</param>
    /// <returns><see langword="true"/> when no literal begins with the two.</returns>
    public bool CannotBegin(char first, char second) => !_singleChars.Contains(first) && !_secondChars.Contains(second);

    /// <summary>How many literals there are.</summary>
    public int Count => _literals.Length;

    /// <summary>The longest literal's length.</summary>
    public int MaxLength { get; }

    /// <summary>The characters that begin a literal.</summary>
    public SearchValues<char> FirstChars { get; }

    /// <summary>A literal.</summary>
    /// <param name="index">Its index.</param>
    public string this[int index] => _literals[index];

    /// <summary>Whether a literal is a one-character lookahead, matched without being consumed.</summary>
    /// <param name="index">Its index.</param>
    /// <returns><see langword="true"/> for a lookahead.</returns>
    public bool IsLookahead(int index) => _lookahead[index];

    /// <summary>How many of a matched literal's characters are consumed: none for a lookahead.</summary>
    /// <param name="index">Its index.</param>
    /// <returns>The count.</returns>
    public int ConsumedLength(int index) => _lookahead[index] ? 0 : _literals[index].Length;
}
