using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using ToolFlow.StreamParsers;

namespace ToolFlow.Benchmarks.Parsers;

/// <summary>
/// Provider body throughput: a 1 MiB streamed response body of each provider (<see cref="ProviderBodyInput"/>: text
/// and parallel tool calls, a 4-character delta per event) read by its registered parser, whole and in 4 KiB network
/// reads; beside a floor that only frames the lines and parses each event into a <see cref="JsonDocument"/>, reading
/// nothing from it (what any client that parses events with the DOM pays before looking at them).
/// </summary>
/// <remarks>One operation is one KiB of body, as in <see cref="StreamParserThroughputBenchmarks"/>.</remarks>
[Config(typeof(ParserBenchmarkConfig))]
public class ProviderBodyThroughputBenchmarks
{
    /// <summary>The body size, in KiB.</summary>
    public const int BodyKiB = 1024;

    /// <summary>The chunk size of the network-read rows, in characters.</summary>
    public const int ReadSize = 4096;

    private string _body = string.Empty;
    private byte[] _utf8 = [];
    private int _calls;
    private Func<ToolCallParserOptions, ToolCallTextParser> _create = static _ => throw new InvalidOperationException("Setup has not run.");

    /// <summary>The provider body format, by registry name.</summary>
    [Params("openai-chat", "openai-responses", "anthropic", "gemini", "ollama")]
    public string Format { get; set; } = "openai-chat";

    /// <summary>Each benchmark's input size in KiB and chunk size (0: whole), by method name.</summary>
    public static IReadOnlyDictionary<string, (int KiB, int ChunkSize)> Shapes { get; } = new Dictionary<string, (int, int)>
    {
        [nameof(DomFloor_Body)] = (BodyKiB, 0),
        [nameof(Body_Whole)] = (BodyKiB, 0),
        [nameof(Body_Reads4K)] = (BodyKiB, ReadSize),
    };

    /// <summary>Builds the body and checks that the parser finds every call, with no diagnostic.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _create = ToolCallFormatRegistry.Default.TryGetFactory(Format, out Func<ToolCallParserOptions, ToolCallTextParser>? factory)
            ? factory
            : throw new InvalidOperationException($"{Format} is not registered.");
        _body = ProviderBodyInput.Create(Format, BodyKiB, out _calls);
        _utf8 = Encoding.UTF8.GetBytes(_body);
        var observer = new CountingObserver();
        Run(ReadSize, observer);
        if (_body.Length != BodyKiB * ParserBenchmarkInput.KiB || _calls < 100 || observer.Calls != _calls || observer.Diagnostics != 0)
        {
            throw new InvalidOperationException($"{Format}: {_calls} calls written in {_body.Length} characters, {observer.Calls} read, {observer.Diagnostics} diagnostics.");
        }
    }

    /// <summary>The floor: lines framed, each event parsed into a document and dropped.</summary>
    /// <returns>The events parsed.</returns>
    [Benchmark(Baseline = true, OperationsPerInvoke = BodyKiB)]
    public int DomFloor_Body()
    {
        int events = 0;
        ReadOnlySpan<byte> body = _utf8;
        while (!body.IsEmpty)
        {
            int end = body.IndexOf((byte)'\n');
            ReadOnlySpan<byte> line = end < 0 ? body : body[..end];
            body = end < 0 ? default : body[(end + 1)..];
            if (line.StartsWith("data: "u8))
            {
                line = line[6..];
            }

            if (!line.IsEmpty && line[0] == (byte)'{')
            {
                var reader = new Utf8JsonReader(line);
                using JsonDocument document = JsonDocument.ParseValue(ref reader);
                events++;
            }
        }

        return events;
    }

    /// <summary>The registered parser, the whole body in one chunk.</summary>
    /// <returns>The calls found.</returns>
    [Benchmark(OperationsPerInvoke = BodyKiB)]
    public int Body_Whole() => Run(0, new CountingObserver());

    /// <summary>The registered parser, the body in 4 KiB reads.</summary>
    /// <returns>The calls found.</returns>
    [Benchmark(OperationsPerInvoke = BodyKiB)]
    public int Body_Reads4K() => Run(ReadSize, new CountingObserver());

    private int Run(int chunkSize, CountingObserver observer)
    {
        ToolCallTextParser parser = _create(ParserBenchmarkInput.Options);
        ReadOnlySpan<char> body = _body;
        if (chunkSize == 0)
        {
            parser.Append(body, observer);
        }
        else
        {
            for (int i = 0; i < body.Length; i += chunkSize)
            {
                parser.Append(body.Slice(i, Math.Min(chunkSize, body.Length - i)), observer);
            }
        }

        parser.Complete(observer);
        return observer.Calls;
    }
}
