using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace ToolFlow.StreamParsers;

/// <summary>What stopped a <see cref="PythonLiteralReader.Read"/>.</summary>
internal enum PythonLiteralStatus : byte
{
    /// <summary>All input was consumed; the value goes on.</summary>
    NeedMore,

    /// <summary>
    /// The value is complete. A string or container ends at its last character, which is consumed; a number or
    /// constant ends at the first character after it, which is left unconsumed.
    /// </summary>
    Completed,

    /// <summary>The character just past the consumed ones cannot stand there; see <see cref="PythonLiteralReader.ErrorMessage"/>.</summary>
    Error,
}

/// <summary>
/// An incremental reader of one Python literal (strings in either quote kind, with escapes and triple quotes; ints
/// and floats; <c>True</c>, <c>False</c>, <c>None</c>; lists, tuples and dicts) that writes the equivalent JSON as
/// it reads.
/// </summary>
/// <remarks>
/// <para>
/// All state lives in this struct, so input fed in pieces of any size is read once: O(n) however it is split.
/// Tuples become arrays, dict keys that are numbers or constants become strings, hexadecimal, octal and binary
/// integers become decimal. Anything else (names, calls, operators, sets, string prefixes) is an error, which is
/// how a nested call such as <c>f(x=g(1))</c> is rejected.
/// </para>
/// <para>This is a mutable struct: keep it in a field and call it in place, never through a copy.</para>
/// </remarks>
[DebuggerDisplay("{_state}, depth {_depth}")]
internal partial struct PythonLiteralReader
{
    private const int MaxTokenLength = 256;
    private const byte KindList = 1;
    private const byte KindTuple = 2;
    private const byte KindDict = 3;
    private const byte KindMask = 3;
    private const byte HasItems = 0x80;

    // What ends a run of ordinary string characters: either quote, a backslash, or a control character.
    private static readonly SearchValues<char> s_stringStops = SearchValues.Create(
        "'\"\\\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\u000A\u000B\u000C\u000D\u000E\u000F" +
        "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F");

    private readonly int _maxDepth;
    private readonly bool _jsonConstants;
    private State _state;
    private byte[]? _stack;
    private int _depth;
    private char _quote;
    private bool _triple;
    private int _quoteRun;
    private bool _isKey;
    private bool _keyWrapped;
    private bool _escapeOctal;
    private int _escapeDigitsLeft;
    private int _escapeValue;
    private char[]? _token;
    private int _tokenLength;
    private bool _isTooDeep;

    /// <summary>Initializes a reader at the start of a value.</summary>
    /// <param name="maxDepth">The deepest nesting of lists, tuples and dicts allowed; 0 allows none.</param>
    /// <param name="jsonConstants">Whether <c>true</c>, <c>false</c> and <c>null</c> are read as well as the Python constants.</param>
    public PythonLiteralReader(int maxDepth, bool jsonConstants)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxDepth);
        _maxDepth = maxDepth;
        _jsonConstants = jsonConstants;
    }

    private enum State : byte
    {
        Value,
        ItemOrClose,
        KeyOrClose,
        Colon,
        AfterItem,
        QuoteOpen1,
        QuoteOpen2,
        String,
        Escape,
        EscapeDigits,
        Number,
        Word,
        Done,
        Failed,
    }

    /// <summary>How many lists, tuples and dicts are open.</summary>
    public readonly int Depth => _depth;

    /// <summary>The quote of the string being read, or <c>'\0'</c> outside strings.</summary>
    public readonly char OpenQuote => _state is State.String or State.Escape or State.EscapeDigits or State.QuoteOpen1 ? _quote : '\0';

    /// <summary>Whether the last character read was a backslash inside a string.</summary>
    public readonly bool IsEscapePending => _state == State.Escape;

    /// <summary>Why the value was rejected, or <see langword="null"/>.</summary>
    public string? ErrorMessage { get; private set; }

    /// <summary>Whether the value was rejected for nesting deeper than allowed.</summary>
    public readonly bool IsTooDeep => _isTooDeep;

    /// <summary>Starts a new value; storage is kept.</summary>
    public void Reset()
    {
        _state = State.Value;
        _depth = 0;
        _isKey = false;
        _keyWrapped = false;
        _quoteRun = 0;
        _tokenLength = 0;
        _isTooDeep = false;
        ErrorMessage = null;
    }

    /// <summary>Reads the value's next characters and appends their JSON to <paramref name="output"/>.</summary>
    /// <param name="input">The next characters.</param>
    /// <param name="output">Receives the JSON text.</param>
    /// <param name="status">What stopped the read.</param>
    /// <returns>How many characters of <paramref name="input"/> were consumed.</returns>
    public int Read(ReadOnlySpan<char> input, ref PooledCharBuffer output, out PythonLiteralStatus status)
    {
        int i = 0;
        while (i < input.Length)
        {
            char c = input[i];
            switch (_state)
            {
                case State.String:
                    i = ReadString(input, i, ref output);
                    if (_state == State.Done)
                    {
                        status = PythonLiteralStatus.Completed;
                        return i;
                    }

                    continue;

                case State.Value:
                case State.ItemOrClose:
                case State.KeyOrClose:
                    if (IsWhitespace(c))
                    {
                        i++;
                        continue;
                    }

                    if (_state != State.Value && _depth > 0 && c == Closer(_stack![_depth - 1]))
                    {
                        i++;
                        if (Close(ref output))
                        {
                            status = PythonLiteralStatus.Completed;
                            return i;
                        }

                        continue;
                    }

                    if (_state != State.Value)
                    {
                        ref byte top = ref _stack![_depth - 1];
                        if ((top & HasItems) != 0)
                        {
                            Put(ref output, ',');
                        }

                        top |= HasItems;
                        _isKey = _state == State.KeyOrClose;
                    }

                    if (!StartValue(c, ref output))
                    {
                        status = PythonLiteralStatus.Error;
                        return i;
                    }

                    i++;
                    continue;

                case State.Colon:
                    if (IsWhitespace(c))
                    {
                        i++;
                        continue;
                    }

                    if (c != ':')
                    {
                        status = Fail($"Expected ':' after a dict key, found {Describe(c)}.");
                        return i;
                    }

                    Put(ref output, ':');
                    _state = State.Value;
                    i++;
                    continue;

                case State.AfterItem:
                    if (IsWhitespace(c))
                    {
                        i++;
                        continue;
                    }

                    byte kind = (byte)(_stack![_depth - 1] & KindMask);
                    if (c == ',')
                    {
                        _state = kind == KindDict ? State.KeyOrClose : State.ItemOrClose;
                        i++;
                        continue;
                    }

                    if (c == Closer(kind))
                    {
                        i++;
                        if (Close(ref output))
                        {
                            status = PythonLiteralStatus.Completed;
                            return i;
                        }

                        continue;
                    }

                    status = Fail($"Expected ',' or '{Closer(kind)}', found {Describe(c)}.");
                    return i;

                case State.QuoteOpen1:
                    if (c == _quote)
                    {
                        _state = State.QuoteOpen2;
                        i++;
                    }
                    else
                    {
                        _triple = false;
                        _state = State.String;
                    }

                    continue;

                case State.QuoteOpen2:
                    if (c == _quote)
                    {
                        _triple = true;
                        _quoteRun = 0;
                        _state = State.String;
                        i++;
                        continue;
                    }

                    // An empty string; the character is not part of it.
                    Put(ref output, '"');
                    if (EndValue(ref output))
                    {
                        status = PythonLiteralStatus.Completed;
                        return i;
                    }

                    continue;

                case State.Escape:
                    i++;
                    if (!ReadEscape(c, ref output))
                    {
                        status = PythonLiteralStatus.Error;
                        return i - 1;
                    }

                    continue;

                case State.EscapeDigits:
                    if (_escapeOctal ? c is >= '0' and <= '7' : char.IsAsciiHexDigit(c))
                    {
                        _escapeValue = (_escapeValue * (_escapeOctal ? 8 : 16)) + HexValue(c);
                        i++;
                        if (--_escapeDigitsLeft == 0 && !EndEscape(ref output))
                        {
                            status = PythonLiteralStatus.Error;
                            return i - 1;
                        }

                        continue;
                    }

                    if (!_escapeOctal)
                    {
                        status = Fail($"A \\x, \\u or \\U escape needs more hexadecimal digits, found {Describe(c)}.");
                        return i;
                    }

                    // An octal escape of fewer than three digits ends here.
                    if (!EndEscape(ref output))
                    {
                        status = PythonLiteralStatus.Error;
                        return i;
                    }

                    continue;

                case State.Number:
                case State.Word:
                    if (IsTokenChar(c) || (_state == State.Number && c is '+' or '-' && IsExponentSign()))
                    {
                        if (_tokenLength == MaxTokenLength)
                        {
                            status = Fail($"A number or name is longer than {MaxTokenLength} characters.");
                            return i;
                        }

                        _token![_tokenLength++] = c;
                        i++;
                        continue;
                    }

                    if (!EndToken(c, ref output))
                    {
                        status = PythonLiteralStatus.Error;
                        return i;
                    }

                    if (_state == State.Done)
                    {
                        status = PythonLiteralStatus.Completed;
                        return i;
                    }

                    continue;

                case State.Done:
                    status = PythonLiteralStatus.Completed;
                    return i;

                default:
                    status = PythonLiteralStatus.Error;
                    return i;
            }
        }

        status = _state switch
        {
            State.Done => PythonLiteralStatus.Completed,
            State.Failed => PythonLiteralStatus.Error,
            _ => PythonLiteralStatus.NeedMore,
        };
        return i;
    }

    /// <summary>Ends the input: a top-level number, constant or empty string still open is complete now.</summary>
    /// <param name="output">Receives the rest of the JSON text.</param>
    /// <returns>Whether the value is complete; when not, <see cref="ErrorMessage"/> may say why.</returns>
    public bool TryFinish(ref PooledCharBuffer output)
    {
        if (_depth == 0)
        {
            if (_state is State.Number or State.Word)
            {
                EndToken('\0', ref output);
            }
            else if (_state == State.QuoteOpen2)
            {
                Put(ref output, '"');
                _state = State.Done;
            }
        }

        return _state == State.Done;
    }

    private bool StartValue(char c, ref PooledCharBuffer output)
    {
        switch (c)
        {
            case '\'' or '"':
                Put(ref output, '"');
                _quote = c;
                _state = State.QuoteOpen1;
                return true;
            case '[' or '(' or '{':
                if (_isKey)
                {
                    Fail("A dict key must be a string, a number or a constant.");
                    return false;
                }

                if (_depth >= _maxDepth)
                {
                    _isTooDeep = true;
                    Fail($"The value nests deeper than {_maxDepth} levels.");
                    return false;
                }

                Push(c == '[' ? KindList : c == '(' ? KindTuple : KindDict);
                Put(ref output, c == '{' ? '{' : '[');
                _state = c == '{' ? State.KeyOrClose : State.ItemOrClose;
                return true;
            default:
                if (char.IsAsciiDigit(c) || c is '-' or '+' or '.')
                {
                    _state = State.Number;
                }
                else if (char.IsLetter(c) || c == '_')
                {
                    _state = State.Word;
                }
                else
                {
                    Fail($"A value cannot start with {Describe(c)}.");
                    return false;
                }

                if (_isKey)
                {
                    Put(ref output, '"');
                    _keyWrapped = true;
                }

                _token ??= new char[MaxTokenLength];
                _token[0] = c;
                _tokenLength = 1;
                return true;
        }
    }

    private bool EndToken(char next, ref PooledCharBuffer output)
    {
        ReadOnlySpan<char> token = _token.AsSpan(0, _tokenLength);
        if (_state == State.Number)
        {
            if (!TryWriteNumber(token, ref output))
            {
                Fail($"'{token}' is not a number.");
                return false;
            }
        }
        else
        {
            string? json = token switch
            {
                "True" => "true",
                "False" => "false",
                "None" => "null",
                "true" when _jsonConstants => "true",
                "false" when _jsonConstants => "false",
                "null" when _jsonConstants => "null",
                _ => null,
            };

            if (json is null)
            {
                Fail(next == '('
                    ? $"'{token}(' is a call inside a call; nested calls are not supported."
                    : $"'{token}' is a name, not a literal value.");
                return false;
            }

            output.Append(json);
        }

        if (_keyWrapped)
        {
            Put(ref output, '"');
            _keyWrapped = false;
        }

        EndValue(ref output);
        return true;
    }

    // Ends a value; returns whether it was the top-level one.
    private bool EndValue(ref PooledCharBuffer output)
    {
        if (_isKey)
        {
            _isKey = false;
            _state = State.Colon;
            return false;
        }

        if (_depth == 0)
        {
            _state = State.Done;
            return true;
        }

        _state = State.AfterItem;
        return false;
    }

    private bool Close(ref PooledCharBuffer output)
    {
        byte kind = (byte)(_stack![--_depth] & KindMask);
        Put(ref output, kind == KindDict ? '}' : ']');
        return EndValue(ref output);
    }

    private void Push(byte kind)
    {
        if (_stack is null || _stack.Length == _depth)
        {
            byte[] next = new byte[Math.Min(Math.Max(_depth * 2, 8), _maxDepth)];
            _stack?.AsSpan(0, _depth).CopyTo(next);
            _stack = next;
        }

        _stack[_depth++] = kind;
    }

    private PythonLiteralStatus Fail(string message)
    {
        ErrorMessage = message;
        _state = State.Failed;
        return PythonLiteralStatus.Error;
    }

    private static char Closer(byte entry) => (entry & KindMask) switch
    {
        KindList => ']',
        KindTuple => ')',
        _ => '}',
    };

    // Whether a '+' or '-' now continues a decimal number's exponent ("1e-5") rather than ending the number.
    private readonly bool IsExponentSign()
    {
        ReadOnlySpan<char> token = _token.AsSpan(0, _tokenLength);
        if (token.Length > 0 && token[0] is '-' or '+')
        {
            token = token[1..];
        }

        return token.Length > 0 && (token[^1] | 0x20) == 'e' && !(token.Length > 1 && token[0] == '0' && (token[1] | 0x20) == 'x');
    }

    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' || char.IsLetter(c);

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    private static void Put(ref PooledCharBuffer output, char c) => output.Append(new ReadOnlySpan<char>(in c));

    private static bool IsWhitespace(char c) => c is ' ' or '\t' or '\n' or '\r' or '\f' or '\v';

    private static string Describe(char c) => char.IsControl(c) ? $"control character U+{(int)c:X4}" : $"'{c}'";
}
