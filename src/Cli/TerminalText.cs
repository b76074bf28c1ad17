using System.Text;

namespace ToolFlow.Cli;

/// <summary>
/// Makes text from a model, a tool or a server safe to print: no control character reaches the terminal, so such text
/// cannot move the cursor, recolour the screen, set the window title or hide what follows it. C0 controls and DEL show
/// as their Unicode control pictures (ESC as U+241B), C1 controls and bidirectional overrides as <c>&lt;U+XXXX&gt;</c>.
/// </summary>
internal static class TerminalText
{
    /// <summary>What a cut preview ends with.</summary>
    public const string Ellipsis = "...";

    /// <summary>
    /// One line of text: runs of line breaks, tabs and spaces become one space, the ends are trimmed, every other
    /// control character is neutralised, and the result is cut to <paramref name="maxLength"/> characters (ending in
    /// <see cref="Ellipsis"/>).
    /// </summary>
    /// <param name="text">The text, or <see langword="null"/> for an empty line.</param>
    /// <param name="maxLength">The longest result; at least the length of <see cref="Ellipsis"/>.</param>
    /// <returns>The line.</returns>
    public static string OneLine(string? text, int maxLength = int.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, Ellipsis.Length);
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        var line = new StringBuilder(Math.Min(text.Length, maxLength));
        bool space = false;
        foreach (char c in text)
        {
            if (c is ' ' or '\t' or '\n' or '\r' or '\f' or '\v')
            {
                space = line.Length > 0;
                continue;
            }

            if (space)
            {
                line.Append(' ');
                space = false;
            }

            Append(line, c);
            if (line.Length > maxLength)
            {
                break;
            }
        }

        if (line.Length > maxLength)
        {
            line.Length = maxLength - Ellipsis.Length;
            line.Append(Ellipsis);
        }

        return line.ToString();
    }

    /// <summary>
    /// Streamed text (an answer, reasoning): line breaks and tabs are kept, carriage returns dropped (one alone would
    /// let the text overwrite its own line), every other control character neutralised.
    /// </summary>
    /// <param name="text">The text.</param>
    /// <returns>The text, safe to print.</returns>
    public static string Stream(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        if (!NeedsWork(text))
        {
            return text;
        }

        var safe = new StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            if (c is '\n' or '\t')
            {
                safe.Append(c);
            }
            else if (c != '\r')
            {
                Append(safe, c);
            }
        }

        return safe.ToString();
    }

    private static bool NeedsWork(string text)
    {
        foreach (char c in text)
        {
            if (c is not ('\n' or '\t') && IsUnsafe(c))
            {
                return true;
            }
        }

        return false;
    }

    private static void Append(StringBuilder text, char c)
    {
        if (!IsUnsafe(c))
        {
            text.Append(c);
        }
        else if (c < ' ')
        {
            text.Append((char)(0x2400 + c));
        }
        else if (c == '\u007f')
        {
            text.Append('\u2421');
        }
        else
        {
            text.Append("<U+").Append(((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture)).Append('>');
        }
    }

    // Controls, and the bidirectional embeddings, overrides and isolates that can reorder what a terminal shows.
    private static bool IsUnsafe(char c) =>
        char.IsControl(c) || c is >= '\u202a' and <= '\u202e' or >= '\u2066' and <= '\u2069';
}
