using BenchmarkDotNet.Attributes;
using ToolFlow.StreamParsers;

namespace ToolFlow.Benchmarks.Parsers;

/// <summary>
/// Stream-parser throughput on a 1 MiB model response with many tool calls (Hermes or qwen3_coder), fed whole, in
/// 4-character chunks and in 1-character chunks, and on 1 MiB of prose alone in 1-character chunks; each beside the
/// naive baseline that re-parses the whole response so far on every chunk, as the Python engines do.
/// </summary>
/// <remarks>
/// <para>
/// One operation is one KiB of input (<c>OperationsPerInvoke</c> is the input size in KiB), so times, ratios and
/// allocations compare across input sizes; the MB/s, Alloc/chunk and vs-whole columns are derived from them.
/// </para>
/// <para>
/// The baseline is O(n²) in chunks: on 1 MiB it would take minutes per operation in small chunks, so its chunked rows
/// read a prefix of the same response (64 KiB in 4-character chunks, 16 KiB in 1-character chunks). Its cost per KiB
/// grows with the input, so on 1 MiB it would be far slower than shown.
/// </para>
/// </remarks>
[Config(typeof(ParserBenchmarkConfig))]
public class StreamParserThroughputBenchmarks
{
    /// <summary>The response size, in KiB.</summary>
    public const int ResponseKiB = 1024;

    /// <summary>The baseline's input in 4-character chunks, in KiB.</summary>
    public const int NaiveChunks4KiB = 64;

    /// <summary>The baseline's input in 1-character chunks, in KiB.</summary>
    public const int NaiveChunks1KiB = 16;

    private string _response = string.Empty;
    private string _prose = string.Empty;
    private Func<ToolCallParserOptions, ToolCallTextParser> _create = static _ => throw new InvalidOperationException("Setup has not run.");

    /// <summary>The call format.</summary>
    [Params("hermes", "qwen3_coder")]
    public string Format { get; set; } = "hermes";

    /// <summary>Each benchmark's input size in KiB and chunk size (0: whole), by method name.</summary>
    public static IReadOnlyDictionary<string, (int KiB, int ChunkSize)> Shapes { get; } = new Dictionary<string, (int, int)>
    {
        [nameof(Naive_Whole)] = (ResponseKiB, 0),
        [nameof(Incremental_Whole)] = (ResponseKiB, 0),
        [nameof(Naive_Chunks4)] = (NaiveChunks4KiB, 4),
        [nameof(Incremental_Chunks4)] = (ResponseKiB, 4),
        [nameof(Naive_Chunks1)] = (NaiveChunks1KiB, 1),
        [nameof(Incremental_Chunks1)] = (ResponseKiB, 1),
        [nameof(Naive_ProseChunks1)] = (NaiveChunks1KiB, 1),
        [nameof(Incremental_ProseChunks1)] = (ResponseKiB, 1),
    };

    /// <summary>Builds the inputs and checks that both parsers find every call.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _create = ToolCallFormatRegistry.Default.TryGetFactory(Format, out Func<ToolCallParserOptions, ToolCallTextParser>? factory)
            ? factory
            : throw new InvalidOperationException($"{Format} is not registered.");
        _response = ParserBenchmarkInput.Create(Format, ResponseKiB, withCalls: true);
        _prose = ParserBenchmarkInput.Create(Format, ResponseKiB, withCalls: false);
        int expected = ParserBenchmarkInput.CountCalls(_response);
        int incremental = Incremental_Chunks1();
        var naive = new NaiveReparseParser(Format);
        naive.Append(_response);
        if (expected < 1000 || incremental != expected || naive.Calls != expected)
        {
            throw new InvalidOperationException($"{Format}: {expected} calls written, {incremental} read incrementally, {naive.Calls} read by the baseline.");
        }
    }

    /// <summary>The baseline, whole response: one regex pass.</summary>
    /// <returns>The calls found.</returns>
    [BenchmarkCategory("1 MiB whole"), Benchmark(Baseline = true, OperationsPerInvoke = ResponseKiB)]
    public int Naive_Whole() => RunNaive(_response, ResponseKiB, 0);

    /// <summary>The stream parser, whole response.</summary>
    /// <returns>The calls found.</returns>
    [BenchmarkCategory("1 MiB whole"), Benchmark(OperationsPerInvoke = ResponseKiB)]
    public int Incremental_Whole() => Run(_response, 0);

    /// <summary>The baseline, 4-character chunks of a 64 KiB prefix.</summary>
    /// <returns>The calls found.</returns>
    [BenchmarkCategory("4-char chunks"), Benchmark(Baseline = true, OperationsPerInvoke = NaiveChunks4KiB)]
    public int Naive_Chunks4() => RunNaive(_response, NaiveChunks4KiB, 4);

    /// <summary>The stream parser, 4-character chunks.</summary>
    /// <returns>The calls found.</returns>
    [BenchmarkCategory("4-char chunks"), Benchmark(OperationsPerInvoke = ResponseKiB)]
    public int Incremental_Chunks4() => Run(_response, 4);

    /// <summary>The baseline, 1-character chunks of a 16 KiB prefix.</summary>
    /// <returns>The calls found.</returns>
    [BenchmarkCategory("1-char chunks"), Benchmark(Baseline = true, OperationsPerInvoke = NaiveChunks1KiB)]
    public int Naive_Chunks1() => RunNaive(_response, NaiveChunks1KiB, 1);

    /// <summary>The stream parser, 1-character chunks.</summary>
    /// <returns>The calls found.</returns>
    [BenchmarkCategory("1-char chunks"), Benchmark(OperationsPerInvoke = ResponseKiB)]
    public int Incremental_Chunks1() => Run(_response, 1);

    /// <summary>The baseline, prose without calls, 1-character chunks of a 16 KiB prefix.</summary>
    /// <returns>The calls found.</returns>
    [BenchmarkCategory("prose, 1-char chunks"), Benchmark(Baseline = true, OperationsPerInvoke = NaiveChunks1KiB)]
    public int Naive_ProseChunks1() => RunNaive(_prose, NaiveChunks1KiB, 1);

    /// <summary>The stream parser, prose without calls, 1-character chunks: the steady state of text.</summary>
    /// <returns>The calls found.</returns>
    [BenchmarkCategory("prose, 1-char chunks"), Benchmark(OperationsPerInvoke = ResponseKiB)]
    public int Incremental_ProseChunks1() => Run(_prose, 1);

    private int Run(string input, int chunkSize)
    {
        // Both formats come from the registry, so the registered parsers are measured.
        ToolCallTextParser parser = _create(ParserBenchmarkInput.Options);
        var observer = new CountingObserver();
        ReadOnlySpan<char> text = input;
        if (chunkSize == 0)
        {
            parser.Append(text, observer);
        }
        else
        {
            for (int i = 0; i < text.Length; i += chunkSize)
            {
                parser.Append(text.Slice(i, Math.Min(chunkSize, text.Length - i)), observer);
            }
        }

        parser.Complete(observer);
        return observer.Calls;
    }

    private int RunNaive(string input, int kib, int chunkSize)
    {
        var parser = new NaiveReparseParser(Format);
        ReadOnlySpan<char> text = input.AsSpan(0, kib * ParserBenchmarkInput.KiB);
        if (chunkSize == 0)
        {
            parser.Append(text);
        }
        else
        {
            for (int i = 0; i < text.Length; i += chunkSize)
            {
                parser.Append(text.Slice(i, Math.Min(chunkSize, text.Length - i)));
            }
        }

        return parser.Calls;
    }
}
