using System.Text.Json;
using System.Text.RegularExpressions;

namespace ToolFlow.Benchmarks.Parsers;

/// <summary>
/// The baseline: how the Python engines (vLLM, SGLang) stream tool calls. Every chunk is appended to the response so
/// far, and the whole of it is matched again with a regular expression; calls found beyond those already reported are
/// read then (JSON for Hermes, parameter regexes for qwen3_coder). O(n) per chunk, O(n²) per response.
/// </summary>
/// <remarks>
/// It is kinder than the engines: the accumulated text is not copied on every chunk (the regex reads a span of a
/// growing buffer), and the call in progress is not re-parsed with a partial-JSON parser on every chunk.
/// </remarks>
public sealed partial class NaiveReparseParser
{
    private readonly bool _isHermes;
    private char[] _buffer = new char[4096];
    private int _length;
    private int _reported;

    /// <summary>Initializes the parser for one response.</summary>
    /// <param name="format"><c>hermes</c> or <c>qwen3_coder</c>.</param>
    public NaiveReparseParser(string format)
    {
        _isHermes = format == "hermes";
    }

    /// <summary>The calls found so far.</summary>
    public int Calls => _reported;

    /// <summary>Appends a chunk and re-parses everything so far.</summary>
    /// <param name="chunk">The chunk.</param>
    public void Append(ReadOnlySpan<char> chunk)
    {
        if (_buffer.Length - _length < chunk.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + chunk.Length));
        }

        chunk.CopyTo(_buffer.AsSpan(_length));
        _length += chunk.Length;

        ReadOnlySpan<char> text = _buffer.AsSpan(0, _length);
        int seen = 0;
        foreach (ValueMatch match in ToolCallBlock().EnumerateMatches(text))
        {
            if (seen++ < _reported)
            {
                continue;
            }

            ReadOnlySpan<char> block = text.Slice(match.Index + "<tool_call>".Length, match.Length - "<tool_call></tool_call>".Length);
            if (_isHermes)
            {
                using JsonDocument call = JsonDocument.Parse(block.ToString());
                _ = call.RootElement.GetProperty("name").GetString();
                _ = call.RootElement.GetProperty("arguments").GetRawText();
            }
            else
            {
                string body = block.ToString();
                _ = FunctionName().Match(body).Groups[1].Value;
                foreach (Match parameter in Parameter().Matches(body))
                {
                    _ = parameter.Groups[1].Value;
                    _ = parameter.Groups[2].Value.Trim();
                }
            }

            _reported++;
        }
    }

    [GeneratedRegex("<tool_call>(.*?)</tool_call>", RegexOptions.Singleline)]
    private static partial Regex ToolCallBlock();

    [GeneratedRegex("<function=(.*?)>", RegexOptions.Singleline)]
    private static partial Regex FunctionName();

    [GeneratedRegex("<parameter=(.*?)>(.*?)</parameter>", RegexOptions.Singleline)]
    private static partial Regex Parameter();
}
