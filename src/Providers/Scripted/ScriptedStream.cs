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
    private ScriptedStream(IReadOnlyList<ScriptedToken> tokens, IReadOnlyList<TimeSpan> callClosedOffsets, IReadOnlyList<string> callNames)
    {
        Tokens = tokens;
        CallClosedOffsets = callClosedOffsets;
        CallNames = callNames;
    }

    /// <summary>The tokens in order.</summary>
    public IReadOnlyList<ScriptedToken> Tokens { get; }

    /// <summary>When each call's arguments are complete, from the start of the request, in call order.</summary>
    public IReadOnlyList<TimeSpan> CallClosedOffsets { get; }

    /// <summary>The tool each call names, in call order.</summary>
    public IReadOnlyList<string> CallNames { get; }

    /// <summary>When the last token is sent, from the start of the request.</summary>
    public TimeSpan DecodeDuration => Tokens.Count == 0 ? TimeSpan.Zero : Tokens[^1].Offset;

    /// <summary>Cuts a response into timed tokens.</summary>
    /// <param name="response">The response.</param>
    /// <param name="options">Speed, token size and call shape.</param>
    /// <param name="callIdPrefix">Prefixes the ids of the calls, which are numbered from 0.</param>
    /// <returns>The stream.</returns>
    public static ScriptedStream Render(ScriptedResponse response, ScriptedModelOptions options, string callIdPrefix)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(options);
        var pieces = new List<(AIContent Content, int? Closes)>();
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
            foreach (int length in ScriptTokenizer.Split(text, options.MaxTokenLength))
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

                pieces.Add((new TextContent(text.Substring(start, length)), closes));
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
            pieces.Add((new ToolCallUpdateContent(index, callId, segment.CallName, string.Empty), null));
            int start = 0;
            List<int> lengths = [.. ScriptTokenizer.Split(arguments, options.MaxTokenLength)];
            for (int i = 0; i < lengths.Count; i++)
            {
                pieces.Add((new ToolCallUpdateContent(index, null, null, arguments.Substring(start, lengths[i])), i == lengths.Count - 1 ? index : null));
                start += lengths[i];
            }
        }

        FlushText();
        if (pieces.Count == 0)
        {
            // An empty response still sends one (empty) update, which carries the finish reason.
            pieces.Add((new TextContent(string.Empty), null));
        }

        var tokens = new ScriptedToken[pieces.Count];
        var closed = new TimeSpan[callIndex];
        double millisecondsPerToken = 1000.0 / options.TokensPerSecond;
        for (int i = 0; i < pieces.Count; i++)
        {
            // Whole milliseconds: timers have millisecond resolution, so a plan in whole milliseconds is kept exactly.
            TimeSpan offset = options.TimeToFirstToken + TimeSpan.FromMilliseconds(Math.Round(i * millisecondsPerToken));
            tokens[i] = new ScriptedToken(offset, pieces[i].Content, pieces[i].Closes);
            if (pieces[i].Closes is int call)
            {
                closed[call] = offset;
            }
        }

        return new ScriptedStream(tokens, closed, names);
    }
}
