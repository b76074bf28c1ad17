using System.CommandLine;

namespace ToolFlow.Cli.Tests;

/// <summary>Every usage error of every command: exit code 2, a clear line, and nothing run.</summary>
public sealed class UsageErrorTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("toolflow-usage-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    public static TheoryData<string[], string> Cases() => new()
    {
        { ["bench", "--runs", "-3"], "toolflow bench: --runs must be at least 1 (got -3)." },
        { ["bench", "--time-scale", "-5"], "toolflow bench: --time-scale must be a positive number (got -5)." },
        { ["bench", "--time-scale", "NaN"], "toolflow bench: --time-scale must be a positive number (got NaN)." },
        { ["bench", "--strategy", ","], "toolflow bench: --strategy names no strategy (got ',')" },
        { ["bench", "--timeline", "/no/such/folder/t.html"], "toolflow bench: cannot write --timeline to '/no/such/folder/t.html': the folder '/no/such/folder' does not exist." },
        { ["bench", "--runs", "many"], "many" },
        { ["parse", "--format", "hermes", "--chunk-size", "2147483647"], "toolflow parse: --chunk-size must be from 1 to 1048576 characters (got 2147483647)." },
        { ["run", "--endpoint", "http://127.0.0.1:9/v1", "--model", "m", "--record", "/no/such/folder/r.json", "Hi"], "toolflow run: cannot write --record to '/no/such/folder/r.json': the folder '/no/such/folder' does not exist." },
        { ["run", "--endpoint", "http://127.0.0.1:9/v1", "--model", "m", "--max-turns", "x", "Hi"], "'x'" },
        { ["run", "--endpoint", "http://127.0.0.1:9/v1", "--model", "m", "--tool-hint", "nope", "Hi"], "toolflow run: --tool-hint takes SERVER/TOOL=read-only|idempotent|destructive (got 'nope')." },
        { ["run", "--endpoint", "http://127.0.0.1:9/v1", "--model", "m", "--timeout", "1e300", "Hi"], "toolflow run: --timeout and --mcp-timeout are seconds above 0 and at most 86400 (got 1E+300 and 30)." },
        { ["run", "--endpoint", "http://127.0.0.1:9/v1", "--model", "m", "--mcp-timeout", "0", "Hi"], "toolflow run: --timeout and --mcp-timeout are seconds above 0 and at most 86400 (got 30 and 0)." },
        { ["run", "--endpoint", "http://127.0.0.1:9/v1", "--model", "m", "--otlp", "localhost:4318", "Hi"], "toolflow: --otlp takes an http or https address such as http://127.0.0.1:4318 (got 'localhost:4318')." },
        { ["demo", "--otlp", "ftp://127.0.0.1:4318"], "toolflow: --otlp takes an http or https address such as http://127.0.0.1:4318 (got 'ftp://127.0.0.1:4318')." },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task InvokeAsync_UsageError_Exits2WithAClearLineBeforeAnythingRuns(string[] args, string expected)
    {
        var output = new StringWriter();
        var error = new StringWriter();

        int exitCode = await Program.InvokeAsync(args, new InvocationConfiguration { Output = output, Error = error }, CancellationToken.None);

        Assert.Equal(Program.UsageError, exitCode);
        Assert.Contains(expected, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_RecordPathIsAFolder_Exits2AndSendsNothing()
    {
        var error = new StringWriter();

        // Port 9 (discard) on loopback: were the run to start, it would fail with 1, not 2.
        int exitCode = await Program.InvokeAsync(
            ["run", "--endpoint", "http://127.0.0.1:9/v1", "--model", "m", "--root", _folder, "--record", _folder, "Hi"],
            new InvocationConfiguration { Output = new StringWriter(), Error = error },
            CancellationToken.None);

        Assert.Equal(Program.UsageError, exitCode);
        Assert.Contains($"cannot write --record to '{_folder}': it is a folder.", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"kind": "fixed", "ms": 1e300}""", "$.tools.search.latency.ms: a time in milliseconds is from 0 to 86400000 (1E+300)")]
    [InlineData("""{"kind": "fixed", "ms": 5}, "retry": {"maxRetries": -3}""", "$.tools.search.retry.maxRetries: a count is from 0 to 1000 (-3)")]
    public async Task InvokeAsync_BenchScenarioWithANumberOutOfRange_Exits2NamingTheFieldAndTheRange(string latency, string expected)
    {
        string path = Path.Combine(_folder, "absurd.json");
        await File.WriteAllTextAsync(path, $$$"""{"model": {"tokensPerSecond": 50}, "tools": {"search": {"latency": {{{latency}}}}}, "turns": [[{"call": "search"}], [{"text": "done"}]]}""");
        var error = new StringWriter();

        int exitCode = await Program.InvokeAsync(["bench", "--scenario", path, "--strategy", "await"], new InvocationConfiguration { Output = new StringWriter(), Error = error }, CancellationToken.None);

        Assert.Equal(Program.UsageError, exitCode);
        Assert.Equal($"toolflow bench: {path}: {expected}", error.ToString().TrimEnd());
    }

    [Fact]
    public void OutputFile_WritablePathThatDidNotExist_HasNoProblemAndIsNotLeftBehind()
    {
        string path = Path.Combine(_folder, "out.json");

        Assert.Null(OutputFile.Problem(path));
        Assert.False(File.Exists(path));
    }
}
