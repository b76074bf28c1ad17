using System.Text;
using System.Text.Json;
using ToolFlow.Cli.Parse;

namespace ToolFlow.Cli.Tests.Parse;

/// <summary>
/// Reads <c>toolflow parse</c>'s output line by line as it is written, without keeping it: every line must be a text
/// event within <see cref="ParseEventWriter.MaxTextLength"/>, and the texts, joined, must be the generated input.
/// </summary>
internal sealed class TextLineChecker(GeneratedText expected) : TextWriter
{
    private readonly StringBuilder _line = new();

    public override Encoding Encoding => Encoding.UTF8;

    public long Position { get; private set; }

    public int Lines { get; private set; }

    public int LongestLine { get; private set; }

    public int ShortLines { get; private set; }

    public List<string> Problems { get; } = [];

    public override void Write(char value)
    {
        if (value != '\n')
        {
            _line.Append(value);
            return;
        }

        Check(_line.ToString());
        _line.Clear();
    }

    public override void Write(char[] buffer, int index, int count) => Write(buffer.AsSpan(index, count));

    public override void Write(ReadOnlySpan<char> buffer)
    {
        while (!buffer.IsEmpty)
        {
            int end = buffer.IndexOf('\n');
            if (end < 0)
            {
                _line.Append(buffer);
                return;
            }

            _line.Append(buffer[..end]);
            Write('\n');
            buffer = buffer[(end + 1)..];
        }
    }

    private void Check(string line)
    {
        Lines++;
        using JsonDocument document = JsonDocument.Parse(line);
        JsonElement root = document.RootElement;
        if (root.GetProperty("event").GetString() != "text")
        {
            Problems.Add(line.Length > 200 ? line[..200] : line);
            return;
        }

        string text = root.GetProperty("text").GetString()!;
        LongestLine = Math.Max(LongestLine, text.Length);
        ShortLines += text.Length < ParseEventWriter.MaxTextLength ? 1 : 0;
        if (!expected.Matches(Position, text))
        {
            Problems.Add($"line {Lines} differs from the input at {Position}");
        }

        Position += text.Length;
    }
}
