using System.Runtime.CompilerServices;
using System.Text.Json;

namespace ToolFlow.Blocks.Tests.Nestful;

/// <summary>One call of a NESTFUL sequence, <c>var_result</c> included.</summary>
/// <param name="Index">The call's position in the sequence, from 0.</param>
/// <param name="Name">The tool name, or <c>var_result</c>.</param>
/// <param name="Label">The label with its <c>$</c> signs stripped (<c>var1</c>, <c>var_1</c>), or <see langword="null"/> for <c>var_result</c>.</param>
/// <param name="Arguments">The arguments object as the data holds it.</param>
internal sealed record NestfulCall(int Index, string Name, string? Label, JsonElement Arguments)
{
    /// <summary>The name of the final answer object, which is not a tool.</summary>
    public const string ResultName = "var_result";

    /// <summary>Whether this is the final answer object rather than a tool call.</summary>
    public bool IsResult => Name == ResultName;
}

/// <summary>One v1 item: the user request and its call sequence, which ends with <c>var_result</c>.</summary>
internal sealed record NestfulItem(string Set, int Index, string Input, IReadOnlyList<NestfulCall> Calls)
{
    public override string ToString() => $"{Set}[{Index}]";
}

/// <summary>One v1 set: its items and its tool specs (the raw spec entries; a name may repeat).</summary>
internal sealed record NestfulSet(string Name, IReadOnlyList<NestfulItem> Items, IReadOnlyList<JsonElement> Specs);

/// <summary>One v2 sample: its calls, the tools offered (name to the one output parameter) and the gold answer.</summary>
internal sealed record NestfulV2Sample(string Id, IReadOnlyList<NestfulCall> Calls, IReadOnlyDictionary<string, string> Outputs, JsonElement Gold);

/// <summary>
/// Reads the NESTFUL corpus (<c>../shared/conformance/nestful</c> next to the repository) in place; the data is not
/// copied into the project.
/// </summary>
internal static class NestfulCorpus
{
    /// <summary>The three v1 sets, by the names the tests use.</summary>
    public static readonly IReadOnlyList<string> V1Sets = ["executable", "glaive", "sgd"];

    private static readonly Lazy<string> s_directory = new(() => FindDirectory());
    private static readonly Dictionary<string, Lazy<NestfulSet>> s_sets = V1Sets.ToDictionary(s => s, s => new Lazy<NestfulSet>(() => LoadSet(s)));

    public static string Directory => s_directory.Value;

    public static NestfulSet Set(string name) => s_sets[name].Value;

    public static IReadOnlyList<NestfulV2Sample> V2Samples()
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Directory, "v2-samples", "icl_examples.json")));
        var samples = new List<NestfulV2Sample>();
        foreach (JsonElement sample in document.RootElement.EnumerateArray())
        {
            var outputs = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (JsonElement tool in sample.GetProperty("tools").EnumerateArray())
            {
                outputs[tool.GetProperty("name").GetString()!] = tool.GetProperty("output_parameters").EnumerateObject().Single().Name;
            }

            samples.Add(new NestfulV2Sample(
                sample.GetProperty("sample_id").GetString()!,
                ReadCalls(sample.GetProperty("output")),
                outputs,
                sample.GetProperty("gold_answer").Clone()));
        }

        return samples;
    }

    private static NestfulSet LoadSet(string name)
    {
        (string data, string spec) = name switch
        {
            "executable" => ("executable/executable-data.json", "executable/executable-spec.json"),
            "glaive" => ("non-executable/non-executable-glaive-data.json", "non-executable/non-executable-glaive-spec.json"),
            "sgd" => ("non-executable/non-executable-sgd-data.json", "non-executable/non-executable-sgd-spec.json"),
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };

        using JsonDocument items = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Directory, data)));
        using JsonDocument specs = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Directory, spec)));
        return new NestfulSet(
            name,
            [.. items.RootElement.EnumerateArray().Select((item, i) => new NestfulItem(name, i, item.GetProperty("input").GetString()!, ReadCalls(item.GetProperty("output"))))],
            [.. specs.RootElement.EnumerateArray().Select(s => s.Clone())]);
    }

    private static List<NestfulCall> ReadCalls(JsonElement output) =>
    [
        .. output.EnumerateArray().Select((call, i) => new NestfulCall(
            i,
            call.GetProperty("name").GetString()!,
            call.TryGetProperty("label", out JsonElement label) ? label.GetString()!.Trim('$') : null,
            call.GetProperty("arguments").Clone())),
    ];

    // From the test binaries first, as the parser corpus does; then from the working directory and this source
    // file, for builds whose artifacts live outside the repository (dotnet build --artifacts-path).
    private static string FindDirectory([CallerFilePath] string sourceFile = "")
    {
        string?[] starts = [AppContext.BaseDirectory, Environment.CurrentDirectory, Path.GetDirectoryName(sourceFile)];
        foreach (string? start in starts)
        {
            for (DirectoryInfo? directory = string.IsNullOrEmpty(start) ? null : new(start); directory is not null; directory = directory.Parent)
            {
                string candidate = Path.Combine(directory.FullName, "shared", "conformance", "nestful");
                if (File.Exists(Path.Combine(candidate, "executable", "executable-data.json")))
                {
                    return candidate;
                }
            }
        }

        throw new DirectoryNotFoundException("The NESTFUL corpus (../shared/conformance/nestful) was not found above " + AppContext.BaseDirectory);
    }
}
