using System.Text.Json;

namespace ToolFlow.Fuzzing;

/// <summary>
/// A fuzz target over one family of parsers: the input's selector picks the format; the payload is parsed whole and
/// at the input's chunking, and both runs must report the same thing and keep every limit.
/// </summary>
internal sealed class ParserTarget
{
    // Small limits, so that the fuzzer reaches them with short inputs.
    private const int MaxArgumentsLength = 2048;
    private const int MaxCalls = 8;

    // Bytes allocated per payload byte, beyond a fixed allowance, before a run counts as unbounded.
    private const long AllocationPerByte = 512;
    private const long AllocationAllowance = 32L << 20;

    private static readonly ToolCallParserOptions s_options = new()
    {
        MaxArgumentsLength = MaxArgumentsLength,
        MaxDepth = 16,
        MaxCallsPerResponse = MaxCalls,
    };

    // The XML family types values from the schema when the tool has one: half the inputs get one.
    private static readonly ToolCallParserOptions s_schemaOptions = new()
    {
        MaxArgumentsLength = MaxArgumentsLength,
        MaxDepth = 16,
        MaxCallsPerResponse = MaxCalls,
        ToolSchemas = new Dictionary<string, JsonElement>
        {
            ["get_weather"] = JsonDocument.Parse("""
                {"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer"},"hourly":{"type":"boolean"},
                "scale":{"type":"number"},"tags":{"type":"array","items":{"type":"string"}},"where":{"type":"object"},
                "unit":{"enum":["c","f"]},"any":{"type":["string","null"]}}}
                """).RootElement.Clone(),
        },
    };

    public ParserTarget(string name, IReadOnlyList<string> formats, bool useSchemas = false)
    {
        Name = name;
        Formats = formats;
        UseSchemas = useSchemas;
    }

    public string Name { get; }

    public IReadOnlyList<string> Formats { get; }

    public bool UseSchemas { get; }

    public void Run(FuzzInput input)
    {
        string format = Formats[input.Selector % Formats.Count];
        ToolCallParserOptions options = UseSchemas && (input.Selector / Formats.Count) % 2 == 1 ? s_schemaOptions : s_options;
        string text = input.Text;

        long before = GC.GetAllocatedBytesForCurrentThread();
        EventLog whole = Parse(format, options, text, [text.Length]);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        if (allocated > AllocationAllowance + (AllocationPerByte * input.Payload.Length))
        {
            throw new FuzzInvariantException($"{format}: {allocated} bytes allocated for a {input.Payload.Length}-byte input");
        }

        CheckLimits(format, whole, text.Length);
        EventLog chunked = Parse(format, options, text, input.Chunks(text.Length));
        IReadOnlyList<string> expected = whole.Lines;
        IReadOnlyList<string> actual = chunked.Lines;
        for (int i = 0; i < Math.Max(expected.Count, actual.Count); i++)
        {
            string? e = i < expected.Count ? expected[i] : null;
            string? a = i < actual.Count ? actual[i] : null;
            if (e != a)
            {
                throw new FuzzInvariantException($"{format}: chunked parse differs at event {i}:\n  whole:   {e}\n  chunked: {a}");
            }
        }
    }

    private static EventLog Parse(string format, ToolCallParserOptions options, string text, IEnumerable<int> chunks)
    {
        ToolCallTextParser parser = ToolCallFormatRegistry.Default.Create(format, options);
        var log = new EventLog();
        int at = 0;
        foreach (int length in chunks)
        {
            parser.Append(text.AsSpan(at, length), log);
            at += length;
            if (parser.Position != at)
            {
                throw new FuzzInvariantException($"{format}: position {parser.Position} after {at} characters");
            }
        }

        parser.Complete(log);
        return log;
    }

    private static void CheckLimits(string format, EventLog log, int length)
    {
        if (log.Ended.Count != log.Started.Count)
        {
            throw new FuzzInvariantException($"{format}: {log.Started.Count} calls started, {log.Ended.Count} ended");
        }

        if (log.Calls.Count > MaxCalls)
        {
            throw new FuzzInvariantException($"{format}: {log.Calls.Count} calls, more than the limit of {MaxCalls}");
        }

        if (log.LastDiagnosticOffset > length)
        {
            throw new FuzzInvariantException($"{format}: a diagnostic at offset {log.LastDiagnosticOffset} of {length}");
        }

        if (log.TextLength > length)
        {
            throw new FuzzInvariantException($"{format}: {log.TextLength} characters of text from {length} of input");
        }

        foreach (ParsedToolCall call in log.Calls)
        {
            if (call.ArgumentsJson.Length > MaxArgumentsLength)
            {
                throw new FuzzInvariantException($"{format}: call {call.Index} has {call.ArgumentsJson.Length} characters of arguments, more than {MaxArgumentsLength}");
            }

            if (call.Offset < 1 || call.Offset > length)
            {
                throw new FuzzInvariantException($"{format}: call {call.Index} at offset {call.Offset} of {length}");
            }

            if (call.Arguments is { ValueKind: not JsonValueKind.Object })
            {
                throw new FuzzInvariantException($"{format}: call {call.Index} has arguments that are not an object");
            }
        }
    }
}
