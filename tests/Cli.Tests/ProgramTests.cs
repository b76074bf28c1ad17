using System.Diagnostics;
using ToolFlow.Cli.Tests.Run;
using ToolFlow.WireTesting;

namespace ToolFlow.Cli.Tests;

/// <summary>The <c>toolflow</c> process itself: started as a child, stopped by a signal as a user's Ctrl-C stops it.</summary>
public sealed class ProgramTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("toolflow-signal-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public Task Main_SigintWhileTheModelStreams_CancelsSavesTheRecordAndExits130() => TestGuard.RunAsync(async ct =>
    {
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);

        // The server sends one call and then holds the rest of the stream, so the run is mid-response at the signal.
        SseHttpResponse response = server.Enqueue(new SseHttpResponse(stepped: true)
            .Event(Chunks.Role())
            .Event(Chunks.CallStart(0, "call_calc", "calculate", "{\"expression\": \"6*7\"}"))
            .Event(Chunks.Text("Still thinking."))
            .Event(Chunks.Finish("stop"))
            .Done());
        string record = Path.Combine(_folder, "interrupted.json");
        var output = new SignalingWriter();
        var error = new SignalingWriter();
        using Process child = StartCli(
            ["run", "--endpoint", server.Endpoint.ToString(), "--model", "test-model", "--root", _folder, "--record", record, "What is 6*7?"],
            output,
            error);
        try
        {
            await response.SendUntilAsync(2, ct);
            await output.WaitForAsync("[calculate #1] done", ct);
            Assert.False(response.HasEnded);

            Signal(child, "INT");
            await child.WaitForExitAsync(ct);
        }
        finally
        {
            if (!child.HasExited)
            {
                child.Kill();
            }
        }

        Assert.Equal(130, child.ExitCode);
        Assert.Contains("toolflow run: cancelled.", error.Text, StringComparison.Ordinal);
        Assert.Contains("recorded the run to " + record, error.Text, StringComparison.Ordinal);
        string saved = await File.ReadAllTextAsync(record, ct);
        Assert.Contains("\"calculate\"", saved, StringComparison.Ordinal);

        // The client went away: the server's held response ended without sending its rest.
        await response.Ended.WaitAsync(ct);
        Assert.True(response.Sent < response.StepCount);
    });

    /// <summary>Starts the built <c>toolflow</c> with <c>dotnet exec</c>, its output and errors going to the writers line by line.</summary>
    private static Process StartCli(string[] args, SignalingWriter output, SignalingWriter error)
    {
        // Through env(1) with SIGINT set back to its default: a test host started as a background job of a
        // non-interactive shell ignores SIGINT, and a child would inherit that and never see the signal.
        var start = new ProcessStartInfo("env")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--default-signal=INT");
        start.ArgumentList.Add("dotnet");
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(typeof(Program).Assembly.Location);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["NO_COLOR"] = "1";
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => output.WriteLine(e.Data ?? string.Empty);
        process.ErrorDataReceived += (_, e) => error.WriteLine(e.Data ?? string.Empty);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    // kill(1) rather than Process.Kill, which only sends SIGKILL.
    private static void Signal(Process process, string signal)
    {
        using Process kill = Process.Start("kill", ["-" + signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }
}
