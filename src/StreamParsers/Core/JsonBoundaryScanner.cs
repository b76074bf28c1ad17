using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace ToolFlow.StreamParsers;

// Hot loop: every character of every call's arguments, in every JSON-bodied format, passes through Scan. It stays in
// one file so its states, the vectorized skips over runs of string characters, and the inlining they rely
// on can be read and measured together; splitting it would hide which path a character takes.

/// <summary>
/// An incremental, resumable JSON syntax scanner: it finds where a JSON value ends without building it.
/// </summary>
/// <remarks>
/// <para>
/// Feed it the value's text in pieces of any size through <see cref="Scan"/>; all state lives in this struct, so
/// a piece is never re-read and the total cost is O(n) however the text is split (unlike
/// <c>Utf8JsonReader</c>, which re-reads an unfinished token from its start). It validates the full JSON grammar
/// (structure, string escapes, literals, numbers) and the nesting limit, so a value it reports complete is valid
/// JSON; System.Text.Json then builds the value from the finished text.
/// </para>
/// <para>
/// Objects, arrays, strings, <c>true</c>, <c>false</c> and <c>null</c> close at their last character. A number
/// closes at the first character after it, which is left unconsumed, or at the end of the input
/// (<see cref="TryCompleteAtEnd"/>).
/// </para>
/// <para>
/// After an error the scanner turns lax: it still follows strings, escapes and bracket depth (without checking
/// that closers match) so that callers can find where a malformed value probably ends.
/// </para>
/// <para>
/// This is a mutable struct: keep it in a field and call it in place, never through a copy.
/// </para>
/// </remarks>
[DebuggerDisplay("{_state}, depth {_depth}, error {_error}")]
internal struct JsonBoundaryScanner
{
    private const int InlineDepth = 64;

    // What ends a run of ordinary string characters: a quote, a backslash, or a control character (not allowed raw).
    private static readonly SearchValues<char> s_stringStops = SearchValues.Create(
        "\"\\\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\u000A\u000B\u000C\u000D\u000E\u000F" +
        "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F");

    private static readonly SearchValues<char> s_laxStructural = SearchValues.Create("\"{}[]");

    private static readonly string[] s_literals = ["true", "false", "null"];

    private readonly int _maxDepth;
    private readonly bool _reportMembers;
    private State _state;
    private JsonScanError _error;
    private int _depth;

    // Bit d-1 is set when the container at depth d is an array; depths past 64 spill into _deepArrayBits.
    private ulong _arrayBits;
    private ulong[]? _deepArrayBits;

    private byte _literal;
    private byte _literalPosition;
    private byte _hexLeft;
    private bool _stringIsKey;
    private bool _laxInString;
    private bool _laxEscaped;
    private bool _endedAtDelimiter;

    /// <summary>Initializes a scanner at the start of a value.</summary>
    /// <param name="maxDepth">The deepest nesting of objects and arrays allowed.</param>
    /// <param name="reportMembers">Whether to stop at the keys and values of a top-level object's members.</param>
    public JsonBoundaryScanner(int maxDepth, bool reportMembers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDepth, 1);
        _maxDepth = maxDepth;
        _reportMembers = reportMembers;
    }

    private enum State : byte
    {
        Value,
        ValueOrArrayEnd,
        KeyOrObjectEnd,
        Key,
        Colon,
        CommaOrEnd,
        String,
        Escape,
        Unicode,
        Literal,
        Minus,
        Zero,
        Integer,
        Dot,
        Fraction,
        Exponent,
        ExponentSign,
        ExponentDigits,
        Done,
    }

    /// <summary>Whether the top-level value has closed.</summary>
    public readonly bool IsComplete => _state == State.Done;

    /// <summary>Whether nothing but whitespace has been seen.</summary>
    public readonly bool IsEmpty => _state == State.Value && _depth == 0 && _error == JsonScanError.None;

    /// <summary>The first problem met, or <see cref="JsonScanError.None"/>. Once set, the scanner is lax.</summary>
    public readonly JsonScanError Error => _error;

    /// <summary>
    /// Whether the value whose end the last <see cref="Scan"/> reported was a number, ended by the (unconsumed)
    /// character just past the consumed ones.
    /// </summary>
    public readonly bool EndedAtDelimiter => _endedAtDelimiter;

    /// <summary>How many objects and arrays are open.</summary>
    public readonly int Depth => _depth;

    /// <summary>Ends the input: a top-level number still being read is complete now.</summary>
    /// <returns>Whether the top-level value is complete.</returns>
    public bool TryCompleteAtEnd()
    {
        if (_error == JsonScanError.None && _depth == 0 &&
            _state is State.Zero or State.Integer or State.Fraction or State.ExponentDigits)
        {
            _state = State.Done;
        }

        return _state == State.Done;
    }

    /// <summary>Scans input until it runs out or something worth reporting happens.</summary>
    /// <param name="input">The next characters of the value.</param>
    /// <param name="scanEvent">What stopped the scan.</param>
    /// <returns>How many characters of <paramref name="input"/> were consumed.</returns>
    /// <exception cref="InvalidOperationException">The value is already complete.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Scan(ReadOnlySpan<char> input, out JsonScanEvent scanEvent)
    {
        // One character that only moves the scan on (a token stream fed a character at a time): nothing to decide.
        if (input.Length == 1 && TryReadQuiet(input[0]))
        {
            scanEvent = JsonScanEvent.None;
            return 1;
        }

        return ScanCore(input, out scanEvent);
    }

    /// <summary>
    /// Reads one character if it only moves the scan on (string content, white space between tokens, a further digit
    /// of a number), exactly as <see cref="Scan"/> would read it alone with no event; otherwise reads nothing.
    /// </summary>
    /// <param name="c">The next character of the value.</param>
    /// <returns>Whether the character was consumed.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryReadQuiet(char c)
    {
        if (_error != JsonScanError.None || !IsQuiet(c))
        {
            return false;
        }

        _endedAtDelimiter = false;
        return true;
    }

    /// <summary>
    /// Reads one character if <see cref="Scan"/> would consume it alone and report nothing; otherwise reads nothing.
    /// </summary>
    /// <param name="c">The next character of the value.</param>
    /// <returns>Whether the character was consumed.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryReadCharacter(char c) => TryReadQuiet(c) || TryReadToken(c);

    // TryReadCharacter for a character that changes the state (a quote, a colon, a comma, a bracket, a literal's
    // letter, ...): what ScanCore's loop does with it alone when that reports nothing and consumes it. Anything else
    // (an event, the end of a number, an error, lax mode) is left to ScanCore, before any change.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool TryReadToken(char c)
    {
        if (_error != JsonScanError.None)
        {
            return false;
        }

        switch (_state)
        {
            case State.String when c == '"':
                if (_stringIsKey)
                {
                    if (_reportMembers && _depth == 1)
                    {
                        return false;
                    }

                    _state = State.Colon;
                }
                else if (!TryEndValueQuietly(_depth))
                {
                    return false;
                }

                break;
            case State.String when c == '\\':
                _state = State.Escape;
                break;
            case State.Escape when c == 'u':
                _hexLeft = 4;
                _state = State.Unicode;
                break;
            case State.Escape when c is '"' or '\\' or '/' or 'b' or 'f' or 'n' or 'r' or 't':
                _state = State.String;
                break;
            case State.Unicode when char.IsAsciiHexDigit(c):
                if (--_hexLeft == 0)
                {
                    _state = State.String;
                }

                break;
            case State.Literal:
            {
                string literal = s_literals[_literal];
                if (c != literal[_literalPosition] || (_literalPosition + 1 == literal.Length && !TryEndValueQuietly(_depth)))
                {
                    return false;
                }

                _literalPosition++;
                break;
            }

            case State.Minus when char.IsAsciiDigit(c):
                _state = c == '0' ? State.Zero : State.Integer;
                break;
            case State.Zero or State.Integer when c == '.':
                _state = State.Dot;
                break;
            case State.Zero or State.Integer or State.Fraction when c is 'e' or 'E':
                _state = State.Exponent;
                break;
            case State.Dot when char.IsAsciiDigit(c):
                _state = State.Fraction;
                break;
            case State.Exponent when c is '+' or '-':
                _state = State.ExponentSign;
                break;
            case State.Exponent or State.ExponentSign when char.IsAsciiDigit(c):
                _state = State.ExponentDigits;
                break;
            case State.Value or State.ValueOrArrayEnd when c == ']':
                if (_state != State.ValueOrArrayEnd || !TryCloseQuietly(isArray: true))
                {
                    return false;
                }

                break;
            case State.Value or State.ValueOrArrayEnd:
                if (IsAtMemberLevel || (c is '{' or '[' && _depth >= _maxDepth) || !StartValue(c))
                {
                    return false;
                }

                break;
            case State.KeyOrObjectEnd or State.Key when c == '"':
                if (_reportMembers && _depth == 1)
                {
                    return false;
                }

                _state = State.String;
                _stringIsKey = true;
                break;
            case State.KeyOrObjectEnd when c == '}':
                if (!TryCloseQuietly(isArray: false))
                {
                    return false;
                }

                break;
            case State.Colon when c == ':':
                _state = State.Value;
                break;
            case State.CommaOrEnd when c == ',':
                _state = IsArray(_depth) ? State.Value : State.Key;
                break;
            case State.CommaOrEnd when c is '}' or ']':
                if (!TryCloseQuietly(isArray: c == ']'))
                {
                    return false;
                }

                break;
            default:
                return false;
        }

        _endedAtDelimiter = false;
        return true;
    }

    // Whether a value ending at this depth reports nothing (EndValue without an event); if so, ends it.
    private bool TryEndValueQuietly(int depth)
    {
        if (depth == 0 || (_reportMembers && depth == 1 && !IsArray(1)))
        {
            return false;
        }

        _state = State.CommaOrEnd;
        return true;
    }

    // TryCloseContainer and EndValue when that reports nothing; otherwise changes nothing.
    private bool TryCloseQuietly(bool isArray)
    {
        if (_depth == 0 || IsArray(_depth) != isArray || !TryEndValueQuietly(_depth - 1))
        {
            return false;
        }

        _depth--;
        return true;
    }

    private int ScanCore(ReadOnlySpan<char> input, out JsonScanEvent scanEvent)
    {
        if (_state == State.Done)
        {
            throw new InvalidOperationException("The JSON value is already complete.");
        }

        _endedAtDelimiter = false;
        if (_error != JsonScanError.None)
        {
            return ScanLax(input, out scanEvent);
        }

        int i = 0;
        while (i < input.Length)
        {
            char c = input[i];
            switch (_state)
            {
                case State.String:
                {
                    if (IsOrdinaryStringCharacter(c))
                    {
                        // An ordinary character, checked before the search: in small chunks it is often the only one.
                        if (++i == input.Length)
                        {
                            break;
                        }
                    }

                    int stop = input[i..].IndexOfAny(s_stringStops);
                    if (stop < 0)
                    {
                        i = input.Length;
                        break;
                    }

                    i += stop;
                    c = input[i];
                    if (c == '"')
                    {
                        i++;
                        if (_stringIsKey)
                        {
                            _state = State.Colon;
                            if (_reportMembers && _depth == 1)
                            {
                                scanEvent = JsonScanEvent.MemberKeyEnd;
                                return i;
                            }
                        }
                        else if (EndValue(out scanEvent))
                        {
                            return i;
                        }
                    }
                    else if (c == '\\')
                    {
                        _state = State.Escape;
                        i++;
                    }
                    else
                    {
                        return Fail(JsonScanError.Syntax, i, out scanEvent);
                    }

                    break;
                }

                case State.Escape:
                    if (c == 'u')
                    {
                        _hexLeft = 4;
                        _state = State.Unicode;
                    }
                    else if (c is '"' or '\\' or '/' or 'b' or 'f' or 'n' or 'r' or 't')
                    {
                        _state = State.String;
                    }
                    else
                    {
                        return Fail(JsonScanError.Syntax, i, out scanEvent);
                    }

                    i++;
                    break;

                case State.Unicode:
                    if (!char.IsAsciiHexDigit(c))
                    {
                        return Fail(JsonScanError.Syntax, i, out scanEvent);
                    }

                    i++;
                    if (--_hexLeft == 0)
                    {
                        _state = State.String;
                    }

                    break;

                case State.Literal:
                {
                    string literal = s_literals[_literal];
                    if (c != literal[_literalPosition])
                    {
                        return Fail(JsonScanError.Syntax, i, out scanEvent);
                    }

                    i++;
                    if (++_literalPosition == literal.Length && EndValue(out scanEvent))
                    {
                        return i;
                    }

                    break;
                }

                case State.Minus:
                    if (!char.IsAsciiDigit(c))
                    {
                        return Fail(JsonScanError.Syntax, i, out scanEvent);
                    }

                    _state = c == '0' ? State.Zero : State.Integer;
                    i++;
                    break;

                case State.Zero:
                case State.Integer:
                case State.Fraction:
                    if (char.IsAsciiDigit(c) && _state != State.Zero)
                    {
                        i++;
                    }
                    else if (c == '.' && _state != State.Fraction)
                    {
                        _state = State.Dot;
                        i++;
                    }
                    else if (c is 'e' or 'E')
                    {
                        _state = State.Exponent;
                        i++;
                    }
                    else if (EndValue(out scanEvent))
                    {
                        // The number ended just before c, which stays unconsumed.
                        _endedAtDelimiter = true;
                        return i;
                    }

                    break;

                case State.Dot:
                    if (!char.IsAsciiDigit(c))
                    {
                        return Fail(JsonScanError.Syntax, i, out scanEvent);
                    }

                    _state = State.Fraction;
                    i++;
                    break;

                case State.Exponent:
                    if (c is '+' or '-')
                    {
                        _state = State.ExponentSign;
                    }
                    else if (char.IsAsciiDigit(c))
                    {
                        _state = State.ExponentDigits;
                    }
                    else
                    {
                        return Fail(JsonScanError.Syntax, i, out scanEvent);
                    }

                    i++;
                    break;

                case State.ExponentSign:
                    if (!char.IsAsciiDigit(c))
                    {
                        return Fail(JsonScanError.Syntax, i, out scanEvent);
                    }

                    _state = State.ExponentDigits;
                    i++;
                    break;

                case State.ExponentDigits:
                    if (char.IsAsciiDigit(c))
                    {
                        i++;
                    }
                    else if (EndValue(out scanEvent))
                    {
                        _endedAtDelimiter = true;
                        return i;
                    }

                    break;

                case State.Value:
                case State.ValueOrArrayEnd:
                    if (IsWhitespace(c))
                    {
                        i++;
                    }
                    else if (c == ']' && _state == State.ValueOrArrayEnd)
                    {
                        if (!TryCloseContainer(isArray: true))
                        {
                            return Fail(JsonScanError.Syntax, i, out scanEvent);
                        }

                        i++;
                        if (EndValue(out scanEvent))
                        {
                            return i;
                        }
                    }
                    else
                    {
                        bool isMember = IsAtMemberLevel;
                        if (!StartValue(c))
                        {
                            return Fail(_error == JsonScanError.None ? JsonScanError.Syntax : _error, i, out scanEvent);
                        }

                        i++;
                        if (isMember)
                        {
                            scanEvent = JsonScanEvent.MemberValueStart;
                            return i;
                        }
                    }

                    break;

                case State.KeyOrObjectEnd:
                case State.Key:
                    if (IsWhitespace(c))
                    {
                        i++;
                    }
                    else if (c == '"')
                    {
                        _state = State.String;
                        _stringIsKey = true;
                        i++;
                        if (_reportMembers && _depth == 1)
                        {
                            scanEvent = JsonScanEvent.MemberKeyStart;
                            return i;
                        }
                    }
                    else if (c == '}' && _state == State.KeyOrObjectEnd)
                    {
                        if (!TryCloseContainer(isArray: false))
                        {
                            return Fail(JsonScanError.Syntax, i, out scanEvent);
                        }

                        i++;
                        if (EndValue(out scanEvent))
                        {
                            return i;
                        }
                    }
                    else
                    {
                        return Fail(JsonScanError.Syntax, i, out scanEvent);
                    }

                    break;

                case State.Colon:
                    if (IsWhitespace(c))
                    {
                        i++;
                    }
                    else if (c == ':')
                    {
                        _state = State.Value;
                        i++;
                    }
                    else
                    {
                        return Fail(JsonScanError.Syntax, i, out scanEvent);
                    }

                    break;

                case State.CommaOrEnd:
                    if (IsWhitespace(c))
                    {
                        i++;
                    }
                    else if (c == ',')
                    {
                        _state = IsArray(_depth) ? State.Value : State.Key;
                        i++;
                    }
                    else if (c is '}' or ']')
                    {
                        if (!TryCloseContainer(isArray: c == ']'))
                        {
                            return Fail(JsonScanError.Syntax, i, out scanEvent);
                        }

                        i++;
                        if (EndValue(out scanEvent))
                        {
                            return i;
                        }
                    }
                    else
                    {
                        return Fail(JsonScanError.Syntax, i, out scanEvent);
                    }

                    break;

                default:
                    throw new UnreachableException();
            }
        }

        scanEvent = JsonScanEvent.None;
        return i;
    }

    // Whether the character, read now, is consumed without changing the state or reporting anything (as Scan's
    // loop would read it): string content, white space between tokens, a further digit of a number.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly bool IsQuiet(char c)
    {
        State state = _state;
        if (state == State.String)
        {
            return IsOrdinaryStringCharacter(c);
        }

        // Value, ValueOrArrayEnd, KeyOrObjectEnd, Key, Colon and CommaOrEnd: between tokens.
        if (state <= State.CommaOrEnd)
        {
            return IsWhitespace(c);
        }

        return state is State.Integer or State.Fraction or State.ExponentDigits && char.IsAsciiDigit(c);
    }

    // A character that stands for itself in a JSON string: not a quote, a backslash or a control character.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsOrdinaryStringCharacter(char c) => c >= ' ' && c != '"' && c != '\\';

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool IsWhitespace(char c) => c is ' ' or '\n' or '\r' or '\t';

    // A value starting now is a member value of the top-level object.
    private readonly bool IsAtMemberLevel =>
        _reportMembers && _depth == 1 && _state == State.Value && !IsArray(1);

    private bool StartValue(char c)
    {
        switch (c)
        {
            case '{':
                if (!Push(isArray: false))
                {
                    return false;
                }

                _state = State.KeyOrObjectEnd;
                return true;
            case '[':
                if (!Push(isArray: true))
                {
                    return false;
                }

                _state = State.ValueOrArrayEnd;
                return true;
            case '"':
                _state = State.String;
                _stringIsKey = false;
                return true;
            case 't':
            case 'f':
            case 'n':
                _literal = (byte)(c == 't' ? 0 : c == 'f' ? 1 : 2);
                _literalPosition = 1;
                _state = State.Literal;
                return true;
            case '-':
                _state = State.Minus;
                return true;
            case '0':
                _state = State.Zero;
                return true;
            case >= '1' and <= '9':
                _state = State.Integer;
                return true;
            default:
                return false;
        }
    }

    // A value just ended: its last character was consumed (for a number, the one after it was seen).
    private bool EndValue(out JsonScanEvent scanEvent)
    {
        if (_depth == 0)
        {
            _state = State.Done;
            scanEvent = JsonScanEvent.ValueCompleted;
            return true;
        }

        _state = State.CommaOrEnd;
        if (_reportMembers && _depth == 1 && !IsArray(1))
        {
            scanEvent = JsonScanEvent.MemberValueEnd;
            return true;
        }

        scanEvent = JsonScanEvent.None;
        return false;
    }

    // Closes the innermost container if it is of that kind; the caller consumes the closer and ends the value.
    // (No ref to the scan position, which would keep it out of a register.)
    private bool TryCloseContainer(bool isArray)
    {
        if (_depth == 0 || IsArray(_depth) != isArray)
        {
            return false;
        }

        _depth--;
        return true;
    }

    private bool Push(bool isArray)
    {
        if (_depth >= _maxDepth)
        {
            _error = JsonScanError.TooDeep;
            return false;
        }

        int depth = ++_depth;
        if (depth <= InlineDepth)
        {
            ulong bit = 1UL << (depth - 1);
            _arrayBits = isArray ? _arrayBits | bit : _arrayBits & ~bit;
        }
        else
        {
            int index = depth - InlineDepth - 1;
            _deepArrayBits ??= new ulong[((_maxDepth - InlineDepth) / 64) + 1];
            ulong bit = 1UL << (index % 64);
            ref ulong word = ref _deepArrayBits[index / 64];
            word = isArray ? word | bit : word & ~bit;
        }

        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly bool IsArray(int depth) =>
        depth <= InlineDepth ? (_arrayBits & (1UL << (depth - 1))) != 0 : IsDeepArray(depth);

    private readonly bool IsDeepArray(int depth)
    {
        int index = depth - InlineDepth - 1;
        return (_deepArrayBits![index / 64] & (1UL << (index % 64))) != 0;
    }

    private int Fail(JsonScanError error, int i, out JsonScanEvent scanEvent)
    {
        _laxInString = _state is State.String or State.Escape or State.Unicode;
        _laxEscaped = false;
        _error = error;
        scanEvent = JsonScanEvent.Error;
        return i;
    }

    private int ScanLax(ReadOnlySpan<char> input, out JsonScanEvent scanEvent)
    {
        int i = 0;
        while (i < input.Length)
        {
            if (_laxEscaped)
            {
                _laxEscaped = false;
                i++;
                continue;
            }

            if (_laxInString)
            {
                int stop = input[i..].IndexOfAny('"', '\\');
                if (stop < 0)
                {
                    i = input.Length;
                    break;
                }

                i += stop;
                if (input[i] == '\\')
                {
                    _laxEscaped = true;
                }
                else
                {
                    _laxInString = false;
                }

                i++;
                continue;
            }

            int structural = input[i..].IndexOfAny(s_laxStructural);
            if (structural < 0)
            {
                i = input.Length;
                break;
            }

            i += structural;
            char c = input[i++];
            if (c == '"')
            {
                _laxInString = true;
            }
            else if (c is '{' or '[')
            {
                _depth++;
            }
            else if (_depth > 0 && --_depth == 0)
            {
                _state = State.Done;
                scanEvent = JsonScanEvent.ValueCompleted;
                return i;
            }
        }

        scanEvent = JsonScanEvent.None;
        return i;
    }
}
