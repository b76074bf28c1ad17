using System.Text;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;

namespace ToolFlow.Providers.Scripted;

/// <summary>
/// A <see cref="ScriptedResponse"/> cut into timed tokens: exactly what the scripted model sends, and when. The
/// latency harness reads it to compute a turn's lower bound.
/// </summary>
public sealed class ScriptedStream
{
    private ScriptedStream(IReadOnlyList<ScriptedToken> tokens, int tokenCount, IReadOnlyList<TimeSpan> callClosedOffsets, IReadOnlyList<string> callNames)
    {
        Tokens = tokens;
        TokenCount = tokenCount;
        CallClosedOffsets = callClosedOffsets;
        CallNames = callNames;
    }

    /// <summary>The tokens in order.</summary>
    public IReadOnlyList<ScriptedToken> Tokens { get; }

    /// <summary>
    /// How many tokens the model sends: the updates' count, or more on a <see cref="ScriptedModelOptions.Tokenizer"/>
    /// whose byte-level tokens split a character (those tokens travel joined in one update, timed by the last of them).
    /// </summary>
    public int TokenCount { get; }

    /// <summary>When each call's arguments are complete, from the start of the request, in call order.</summary>
    public IReadOnlyList<TimeSpan> CallClosedOffsets { get; }

    /// <summary>The tool each call names, in call order.</summary>
    public IReadOnlyList<string> CallNames { get; }

    /// <summary>When the last token is sent, from the start of the request.</summary>
    public TimeSpan DecodeDuration => Tokens.Count == 0 ? TimeSpan.Zero : Tokens[^1].Offset;

    /// <summary>Cuts a response into timed tokens.</summary>
    /// <param name="response">The response.</param>
    /// <param name="options">Speed, tokenizer (or token size) and call shape.</param>
    /// <param name="callIdPrefix">Prefixes the ids of the calls, which are numbered from 0.</param>
    /// <returns>The stream.</returns>
    public static ScriptedStream Render(ScriptedResponse response, ScriptedModelOptions options, string callIdPrefix)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(options);
        var pieces = new List<(AIContent Content, int? Closes, int Tokens)>();
        var names = new List<string>();
        int callIndex = 0;
        var pendingText = new StringBuilder();
        var pendingClosers = new List<(int End, int Call)>();

        void FlushText()
        {
            if (pendingText.Length == 0)
            {
                return;
            }

            string text = pendingText.ToString();
            int start = 0;
            foreach ((int length, int count) in Pieces(text, options))
            {
                int end = start + length;
                int? closes = null;
                foreach ((int closeEnd, int call) in pendingClosers)
                {
                    if (closeEnd > start && closeEnd <= end)
                    {
                        closes = call;
                    }
                }

                pieces.Add((new TextContent(text.Substring(start, length)), closes, count));
                start = end;
            }

            pendingText.Clear();
            pendingClosers.Clear();
        }

        foreach (ScriptedSegment segment in response.Segments)
        {
            if (!segment.IsCall)
            {
                pendingText.Append(segment.Text);
                continue;
            }

            int index = callIndex++;
            names.Add(segment.CallName!);
            string arguments = segment.ArgumentsJson!;
            if (options.CallShape == ScriptedToolCallShape.HermesText)
            {
                pendingText.Append("<tool_call>\n{\"name\": \"").Append(segment.CallName).Append("\", \"arguments\": ");
                pendingText.Append(arguments);
                pendingClosers.Add((pendingText.Length, index));
                pendingText.Append("}\n</tool_call>");
                continue;
            }

            FlushText();
            string callId = $"{callIdPrefix}{index}";
            pieces.Add((new ToolCallUpdateContent(index, callId, segment.CallName, string.Empty), null, 1));
            int start = 0;
            List<(int Length, int Tokens)> lengths = [.. Pieces(arguments, options)];
            for (int i = 0; i < lengths.Count; i++)
            {
                pieces.Add((new ToolCallUpdateContent(index, null, null, arguments.Substring(start, lengths[i].Length)), i == lengths.Count - 1 ? index : null, lengths[i].Tokens));
                start += lengths[i].Length;
            }
        }

        FlushText();
        if (pieces.Count == 0)
        {
            // An empty response still sends one (empty) update, which carries the finish reason.
            pieces.Add((new TextContent(string.Empty), null, 1));
        }

        var tokens = new ScriptedToken[pieces.Count];
        var closed = new TimeSpan[callIndex];
        double millisecondsPerToken = 1000.0 / options.TokensPerSecond;
        int sent = 0;
        for (int i = 0; i < pieces.Count; i++)
        {
            // Token k goes at the first token's time + k / rate; an update holding several tokens goes with its last.
            sent += pieces[i].Tokens;

            // Whole milliseconds: timers have millisecond resolution, so a plan in whole milliseconds is kept exactly.
            TimeSpan offset = options.TimeToFirstToken + TimeSpan.FromMilliseconds(Math.Round((sent - 1) * millisecondsPerToken));
            tokens[i] = new ScriptedToken(offset, pieces[i].Content, pieces[i].Closes);
            if (pieces[i].Closes is int call)
            {
                closed[call] = offset;
            }
        }

        return new ScriptedStream(tokens, sent, closed, names);
    }

    // A tokenizer's real boundaries when one is set, else the characters-based approximation: each piece's length and
    // how many tokens it holds (one, but for a character the tokenizer spread over several byte-level tokens).
    private static IEnumerable<(int Length, int Tokens)> Pieces(string text, ScriptedModelOptions options)
    {
        if (options.Tokenizer is not { } tokenizer)
        {
            return ScriptTokenizer.Split(text, options.MaxTokenLength).Select(static length => (length, 1));
        }

        // A plugged-in tokenizer that breaks its contract would drop or repeat text without a word.
        IReadOnlyList<int> lengths = tokenizer.SplitTokens(text);
        long total = 0;
        foreach (int length in lengths)
        {
            if (length < 1)
            {
                throw new InvalidOperationException($"The tokenizer '{tokenizer.Name}' gave a piece of {length} characters; every piece has at least one.");
            }

            total += length;
        }

        if (total != text.Length)
        {
            throw new InvalidOperationException($"The tokenizer '{tokenizer.Name}' split {text.Length} characters into pieces adding up to {total}.");
        }

        if (tokenizer.CountTokens(text) == lengths.Count)
        {
            return lengths.Select(static length => (length, 1));
        }

        // Some pieces hold several tokens: count each one alone.
        var weighted = new List<(int, int)>(lengths.Count);
        int start = 0;
        foreach (int length in lengths)
        {
            weighted.Add((length, Math.Max(1, tokenizer.CountTokens(text.AsSpan(start, length)))));
            start += length;
        }

        return weighted;
    }
}
