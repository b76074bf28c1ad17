using System.Diagnostics;
using System.Globalization;
using ToolFlow.Cli.Parse;
using ToolFlow.StreamParsers;
using ToolFlow.WireTesting;

namespace ToolFlow.Cli.Tests.Parse;

/// <summary>
/// <c>toolflow parse</c> over text far longer than one line may carry: the text comes out in bounded lines, whole and
/// in order, and the process's memory does not grow with the input.
/// </summary>
public sealed class ParseCommandMemoryTests
{
    /// <summary>The input of the child-process test: 128 MiB, about 117 M characters.</summary>
    private const long PipedBytes = 128L * 1024 * 1024;

    /// <summary>
    /// A generous bound on the child's peak memory (1 GiB measured at 62 MiB, perf/results/parse-memory.md); holding
    /// the piped text once as UTF-16 would take 234 MiB before anything was written.
    /// </summary>
    private const long PeakBound = 192L * 1024 * 1024;

    [Theory]
    [InlineData("text", null)]
    [InlineData("hermes", null)]
    [InlineData("hermes", 4096)]
    [InlineData("qwen3_coder", null)]
    public async Task RunAsync_64MiBOfTextWithoutCalls_EveryTextLineWithinTheBoundAndTogetherTheInput(string format, int? chunkSize)
    {
        var input = new GeneratedText(64L * 1024 * 1024);
        var output = new TextLineChecker(input);
        var error = new StringWriter();
        await using Stream stream = input.Open();

        int exitCode = await ParseCommand.RunAsync(stream, output, error, format, chunkSize, null, ToolCallFormatRegistry.Default, CancellationToken.None);

        Assert.Equal(0, exitCode);
        Assert.Empty(error.ToString());
        Assert.Empty(output.Problems);
        Assert.Equal(input.CharLength, output.Position);
        Assert.Equal(ParseEventWriter.MaxTextLength, output.LongestLine);

        // Some line stopped one short, before a high surrogate: the last line and at least one more.
        Assert.True(output.ShortLines >= 2, $"{output.ShortLines} short lines");
    }

    [Fact]
    public Task Main_128MiBOfTextThroughAPipe_PeakMemoryStaysBelowWhatHoldingTheTextWouldTake() => TestGuard.RunAsync(async ct =>
    {
        var input = new GeneratedText(PipedBytes);
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in (string[])["exec", typeof(Program).Assembly.Location, "parse", "--format", "hermes"])
        {
            start.ArgumentList.Add(arg);
        }

        using Process child = Process.Start(start)!;
        try
        {
            var checker = new TextLineChecker(input);
            Task reading = Task.Run(() => PumpAsync(child.StandardOutput, checker, ct), ct);
            Task<string> errors = child.StandardError.ReadToEndAsync(ct);
            await using (Stream source = input.Open())
            {
                await source.CopyToAsync(child.StandardInput.BaseStream, 1024 * 1024, ct);
                await child.StandardInput.BaseStream.FlushAsync(ct);

                // Everything but the pipe's own buffer has been read and parsed; the process waits for the end of input.
                long peak = PeakResidentBytes(child.Id);
                Assert.True(peak < PeakBound, $"peak resident memory {peak / (1024 * 1024)} MiB after {input.ByteLength / (1024 * 1024)} MiB of input");
            }

            child.StandardInput.Close();
            await child.WaitForExitAsync(ct);
            await reading;
            Assert.Equal(string.Empty, await errors);
            Assert.Equal(0, child.ExitCode);
            Assert.Empty(checker.Problems);
            Assert.Equal(input.CharLength, checker.Position);
        }
        finally
        {
            if (!child.HasExited)
            {
                child.Kill();
            }
        }
    });

    private static async Task PumpAsync(StreamReader reader, TextWriter checker, CancellationToken cancellationToken)
    {
        char[] buffer = new char[64 * 1024];
        int read;
        while ((read = await reader.ReadAsync(buffer, cancellationToken)) > 0)
        {
            checker.Write(buffer, 0, read);
        }
    }

    // VmHWM: the process's peak resident set so far.
    private static long PeakResidentBytes(int pid)
    {
        string line = File.ReadLines($"/proc/{pid}/status").Single(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        string kilobytes = line["VmHWM:".Length..].Trim().Split(' ')[0];
        return long.Parse(kilobytes, CultureInfo.InvariantCulture) * 1024;
    }
}
