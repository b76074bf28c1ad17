using System.Text;

namespace ToolFlow.Providers.Mcp;

/// <summary>
/// Splits a command line such as <c>npx -y "@modelcontextprotocol/server-filesystem" '/tmp/my files'</c> into the
/// program and its arguments, the way a POSIX shell splits words, without running a shell: no variables, globs or
/// redirections.
/// </summary>
/// <remarks>
/// Unquoted whitespace separates words. Inside single quotes every character is literal. Inside double quotes a
/// backslash escapes only <c>"</c>, <c>\</c>, <c>$</c> and <c>`</c>, and is literal before anything else. Outside
/// quotes a backslash makes the next character literal. Quotes may join parts of one word (<c>--root="/a b"</c>),
/// and <c>""</c> is an empty argument.
/// </remarks>
public static class McpCommandLine
{
    /// <summary>Splits a command line into words.</summary>
    /// <param name="commandLine">The command line.</param>
    /// <returns>The words, the program first; empty when the line is blank.</returns>
    /// <exception cref="FormatException">A quote is not closed, or the line ends in a lone backslash.</exception>
    public static IReadOnlyList<string> Split(string commandLine)
    {
        ArgumentNullException.ThrowIfNull(commandLine);
        var words = new List<string>();
        var word = new StringBuilder();
        bool inWord = false;
        for (int i = 0; i < commandLine.Length; i++)
        {
            char c = commandLine[i];
            switch (c)
            {
                case '\'':
                    int close = commandLine.IndexOf('\'', i + 1);
                    if (close < 0)
                    {
                        throw new FormatException($"The single quote at position {i} of the command line is not closed.");
                    }

                    word.Append(commandLine, i + 1, close - i - 1);
                    inWord = true;
                    i = close;
                    break;
                case '"':
                    i = ReadDoubleQuoted(commandLine, i, word);
                    inWord = true;
                    break;
                case '\\':
                    if (i + 1 == commandLine.Length)
                    {
                        throw new FormatException("The command line ends in a lone backslash.");
                    }

                    // A backslash before a line break joins the lines, as in a shell.
                    if (commandLine[i + 1] is not ('\n' or '\r'))
                    {
                        word.Append(commandLine[i + 1]);
                        inWord = true;
                    }

                    i++;
                    break;
                default:
                    if (char.IsWhiteSpace(c))
                    {
                        if (inWord)
                        {
                            words.Add(word.ToString());
                            word.Clear();
                            inWord = false;
                        }
                    }
                    else
                    {
                        word.Append(c);
                        inWord = true;
                    }

                    break;
            }
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        return words;
    }

    // Appends a double-quoted part opening at `open`; returns the index of its closing quote.
    private static int ReadDoubleQuoted(string line, int open, StringBuilder word)
    {
        for (int i = open + 1; i < line.Length; i++)
        {
            char c = line[i];
            if (c == '"')
            {
                return i;
            }

            if (c == '\\' && i + 1 < line.Length && line[i + 1] is '"' or '\\' or '$' or '`')
            {
                word.Append(line[++i]);
            }
            else
            {
                word.Append(c);
            }
        }

        throw new FormatException($"The double quote at position {open} of the command line is not closed.");
    }
}
