using System.Globalization;
using System.Text;

namespace ToolFlow.StreamParsers;

/// <content>Strings: runs of ordinary characters, escapes, and their JSON form.</content>
internal partial struct PythonLiteralReader
{
    private int ReadString(ReadOnlySpan<char> input, int i, ref PooledCharBuffer output)
    {
        char c = input[i];
        if (c == _quote)
        {
            i++;
            if (!_triple || ++_quoteRun == 3)
            {
                _quoteRun = 0;
                Put(ref output, '"');
                EndValue(ref output);
            }

            return i;
        }

        FlushQuoteRun(ref output);
        if (c == '\\')
        {
            _state = State.Escape;
            return i + 1;
        }

        if (c is '"' or '\'' || c < ' ')
        {
            AppendJsonChar(ref output, c);
            return i + 1;
        }

        int stop = input[i..].IndexOfAny(s_stringStops);
        int end = stop < 0 ? input.Length : i + stop;
        output.Append(input[i..end]);
        return end;
    }

    private void FlushQuoteRun(ref PooledCharBuffer output)
    {
        for (; _quoteRun > 0; _quoteRun--)
        {
            AppendJsonChar(ref output, _quote);
        }
    }

    private bool ReadEscape(char c, ref PooledCharBuffer output)
    {
        _state = State.String;
        switch (c)
        {
            case '\n':
                // A line continuation: nothing.
                return true;
            case '\\' or '\'' or '"':
                AppendJsonChar(ref output, c);
                return true;
            case 'n':
                output.Append("\\n");
                return true;
            case 't':
                output.Append("\\t");
                return true;
            case 'r':
                output.Append("\\r");
                return true;
            case 'b':
                output.Append("\\b");
                return true;
            case 'f':
                output.Append("\\f");
                return true;
            case 'a':
                output.Append("\\u0007");
                return true;
            case 'v':
                output.Append("\\u000b");
                return true;
            case 'x' or 'u' or 'U':
                _escapeOctal = false;
                _escapeDigitsLeft = c == 'x' ? 2 : c == 'u' ? 4 : 8;
                _escapeValue = 0;
                _state = State.EscapeDigits;
                return true;
            case >= '0' and <= '7':
                _escapeOctal = true;
                _escapeDigitsLeft = 2;
                _escapeValue = c - '0';
                _state = State.EscapeDigits;
                return true;
            case 'N':
                Fail("Named escapes (\\N{...}) are not supported.");
                return false;
            default:
                // Python keeps an unknown escape as written.
                output.Append("\\\\");
                AppendJsonChar(ref output, c);
                return true;
        }
    }

    private bool EndEscape(ref PooledCharBuffer output)
    {
        _state = State.String;
        int value = _escapeValue;
        if (value > 0x10FFFF)
        {
            Fail($"The escape \\U{value:X8} is not a Unicode code point.");
            return false;
        }

        if (value >= 0x10000)
        {
            Span<char> pair = stackalloc char[2];
            new Rune(value).EncodeToUtf16(pair);
            output.Append(pair);
        }
        else if (char.IsSurrogate((char)value))
        {
            Span<char> escape = stackalloc char[6];
            "\\u".CopyTo(escape);
            value.TryFormat(escape[2..], out _, "x4", CultureInfo.InvariantCulture);
            output.Append(escape);
        }
        else
        {
            AppendJsonChar(ref output, (char)value);
        }

        return true;
    }
}
