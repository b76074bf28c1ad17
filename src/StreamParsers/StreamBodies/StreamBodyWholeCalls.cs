using System.Text.Json;

namespace ToolFlow.StreamParsers;

/// <summary>
/// Reports the calls of one provider response that arrive whole, or are built whole before they complete (Gemini,
/// Ollama): numbering, the limits of <see cref="ToolCallParserOptions"/>, and the arguments read as JSON.
/// </summary>
internal sealed class StreamBodyWholeCalls(ToolCallParserOptions options)
{
    private int _accepted;

    /// <summary>Starts a call.</summary>
    /// <returns>The call's index, or -1 when the response already holds as many calls as allowed (reported).</returns>
    public int Start(string? id, string name, long offset, IToolCallParserObserver observer)
    {
        if (_accepted >= options.MaxCallsPerResponse)
        {
            observer.OnDiagnostic(new ParserDiagnostic(
                ParserDiagnosticCodes.TooManyCalls,
                $"The response has more than {options.MaxCallsPerResponse} tool calls; the extra call to '{name}' is dropped.",
                offset));
            return -1;
        }

        int index = _accepted++;
        observer.OnCallStarted(index, id, name);
        return index;
    }

    /// <summary>Completes a started call with its whole arguments text, or aborts it when the text is over a limit.</summary>
    public void Complete(int index, string? id, string name, string argumentsJson, ToolCallCompletionReason reason, long offset, IToolCallParserObserver observer)
    {
        if (argumentsJson.Length > options.MaxArgumentsLength)
        {
            Abort(index, ParserDiagnosticCodes.ArgumentsTooLong, $"The arguments of '{name}' are longer than {options.MaxArgumentsLength} characters.", offset, observer);
            return;
        }

        if (Depth(argumentsJson) > options.MaxDepth)
        {
            Abort(index, ParserDiagnosticCodes.ArgumentsTooDeep, $"The arguments of '{name}' nest deeper than {options.MaxDepth} levels.", offset, observer);
            return;
        }

        observer.OnArgumentsDelta(index, argumentsJson);
        JsonElement? arguments = JsonArguments.Parse(argumentsJson, options.MaxDepth, out string? error, out string? code);
        if (code is not null)
        {
            observer.OnDiagnostic(new ParserDiagnostic(code, error!, offset));
        }

        observer.OnCallCompleted(new ParsedToolCall(index, id, name, argumentsJson, arguments, reason, offset, error));
    }

    /// <summary>Aborts a started call with a diagnostic.</summary>
    public static void Abort(int index, string code, string message, long offset, IToolCallParserObserver observer)
    {
        observer.OnCallAborted(index, message);
        observer.OnDiagnostic(new ParserDiagnostic(code, message, offset));
    }

    // The deepest nesting of objects and arrays in a JSON text, outside strings.
    private static int Depth(string json)
    {
        int depth = 0;
        int deepest = 0;
        bool inString = false;
        for (int i = 0; i < json.Length; i++)
        {
            char c = json[i];
            if (inString)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    inString = false;
                }
            }
            else if (c == '"')
            {
                inString = true;
            }
            else if (c is '{' or '[')
            {
                deepest = Math.Max(deepest, ++depth);
            }
            else if (c is '}' or ']')
            {
                depth--;
            }
        }

        return deepest;
    }
}
