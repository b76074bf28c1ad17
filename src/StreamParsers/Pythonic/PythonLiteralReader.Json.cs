using System.Globalization;

namespace ToolFlow.StreamParsers;

/// <content>Writing JSON: Python numbers in their JSON form, and JSON-escaped characters and strings.</content>
internal partial struct PythonLiteralReader
{
    /// <summary>Writes a Python int or float literal as a JSON number.</summary>
    private static bool TryWriteNumber(ReadOnlySpan<char> token, ref PooledCharBuffer output)
    {
        // Underscores between digits are allowed in Python and dropped here.
        Span<char> text = stackalloc char[MaxTokenLength];
        int length = 0;
        foreach (char c in token)
        {
            if (c != '_')
            {
                text[length++] = c;
            }
        }

        ReadOnlySpan<char> number = text[..length];
        bool negative = false;
        if (number.Length > 0 && number[0] is '-' or '+')
        {
            negative = number[0] == '-';
            number = number[1..];
        }

        if (number.Length > 2 && number[0] == '0' && (number[1] | 0x20) is 'x' or 'o' or 'b')
        {
            int radix = (number[1] | 0x20) switch { 'x' => 16, 'o' => 8, _ => 2 };
            UInt128 value = 0;
            foreach (char c in number[2..])
            {
                int digit = char.IsAsciiHexDigit(c) ? HexValue(c) : 99;
                if (digit >= radix || value > (UInt128.MaxValue - (uint)digit) / (uint)radix)
                {
                    return false;
                }

                value = (value * (uint)radix) + (uint)digit;
            }

            Span<char> digits = stackalloc char[48];
            value.TryFormat(digits, out int written, default, CultureInfo.InvariantCulture);
            if (negative && value != 0)
            {
                output.Append("-");
            }

            output.Append(digits[..written]);
            return true;
        }

        // Decimal: digits ['.' digits] [('e'|'E') ['+'|'-'] digits], with digits on at least one side of '.'.
        int i = 0;
        int intStart = i;
        while (i < number.Length && char.IsAsciiDigit(number[i]))
        {
            i++;
        }

        ReadOnlySpan<char> integer = number[intStart..i];
        ReadOnlySpan<char> fraction = number[..0];
        bool hasDot = false;
        if (i < number.Length && number[i] == '.')
        {
            hasDot = true;
            int fractionStart = ++i;
            while (i < number.Length && char.IsAsciiDigit(number[i]))
            {
                i++;
            }

            fraction = number[fractionStart..i];
        }

        if (integer.IsEmpty && fraction.IsEmpty)
        {
            return false;
        }

        ReadOnlySpan<char> exponent = number[..0];
        if (i < number.Length && (number[i] | 0x20) == 'e')
        {
            int exponentStart = i++;
            if (i < number.Length && number[i] is '+' or '-')
            {
                i++;
            }

            int digitsStart = i;
            while (i < number.Length && char.IsAsciiDigit(number[i]))
            {
                i++;
            }

            if (i == digitsStart)
            {
                return false;
            }

            exponent = number[exponentStart..i];
        }

        if (i != number.Length)
        {
            return false;
        }

        if (negative)
        {
            output.Append("-");
        }

        ReadOnlySpan<char> trimmed = integer.TrimStart('0');
        output.Append(trimmed.IsEmpty ? "0" : trimmed);
        if (hasDot || !exponent.IsEmpty)
        {
            output.Append(".");
            output.Append(fraction.IsEmpty ? "0" : fraction);
        }

        output.Append(exponent);
        return true;
    }

    /// <summary>Appends a character as it must appear inside a JSON string.</summary>
    public static void AppendJsonChar(ref PooledCharBuffer output, char c)
    {
        switch (c)
        {
            case '"':
                output.Append("\\\"");
                break;
            case '\\':
                output.Append("\\\\");
                break;
            case '\n':
                output.Append("\\n");
                break;
            case '\r':
                output.Append("\\r");
                break;
            case '\t':
                output.Append("\\t");
                break;
            case '\b':
                output.Append("\\b");
                break;
            case '\f':
                output.Append("\\f");
                break;
            case < ' ':
                Span<char> escape = stackalloc char[6];
                "\\u00".CopyTo(escape);
                ((int)c).TryFormat(escape[4..], out _, "x2", CultureInfo.InvariantCulture);
                output.Append(escape);
                break;
            default:
                Put(ref output, c);
                break;
        }
    }

    /// <summary>Appends text as a JSON string, quotes included.</summary>
    public static void AppendJsonString(ref PooledCharBuffer output, ReadOnlySpan<char> text)
    {
        Put(ref output, '"');
        while (!text.IsEmpty)
        {
            int stop = text.IndexOfAny(s_stringStops);
            if (stop < 0)
            {
                output.Append(text);
                break;
            }

            output.Append(text[..stop]);
            AppendJsonChar(ref output, text[stop]);
            text = text[(stop + 1)..];
        }

        Put(ref output, '"');
    }
}
