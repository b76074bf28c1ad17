using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;

namespace ToolFlow.Cli.Tests;

/// <summary>
/// The README's install command, done for real: the CLI packs as a .NET tool that installs from the packages folder
/// and runs outside the repository; a library packs with its README and XML docs.
/// </summary>
public sealed class PackagingTests : IDisposable
{
    // Packing builds the CLI and everything it references in Release: minutes on a loaded two-core machine.
    private static readonly TimeSpan s_deadline = TimeSpan.FromMinutes(10);

    private readonly string _folder = Directory.CreateTempSubdirectory("toolflow-pack-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Pack_CliAndLibrary_InstallsAsAToolThatRunsOutsideTheRepository()
    {
        using var deadline = new CancellationTokenSource(s_deadline);
        CancellationToken ct = deadline.Token;
        string root = FindRepositoryRoot();
        string packages = Path.Combine(_folder, "packages");

        await RunAsync("dotnet", ["pack", Path.Combine(root, "src", "Cli", "ToolFlow.Cli.csproj"), "-c", "Release", "-o", packages, "-nologo", "-v", "q"], root, ct);
        await RunAsync("dotnet", ["pack", Path.Combine(root, "src", "Pipeline", "ToolFlow.Pipeline.csproj"), "-c", "Release", "--no-build", "-o", packages, "-nologo", "-v", "q"], root, ct);

        using (ZipArchive library = ZipFile.OpenRead(Assert.Single(Directory.GetFiles(packages, "ToolFlow.Pipeline.*.nupkg"))))
        {
            string[] entries = [.. library.Entries.Select(e => e.FullName)];
            Assert.Contains("README.md", entries);
            Assert.Contains("lib/net10.0/ToolFlow.Pipeline.dll", entries);
            Assert.Contains("lib/net10.0/ToolFlow.Pipeline.xml", entries);
        }

        string tools = Path.Combine(_folder, "tools");
        await RunAsync("dotnet", ["tool", "install", "ToolFlow.Cli", "--tool-path", tools, "--source", packages], _folder, ct);

        // Run from a folder with no perf/scenarios above it: the installed tool brings the shipped scenarios along.
        string output = await RunAsync(Path.Combine(tools, "toolflow"), ["bench", "--scenario", "straggler", "--strategy", "await", "--runs", "1", "--json", "--time-scale", "10"], _folder, ct);
        using JsonDocument report = JsonDocument.Parse(output);
        JsonElement scenario = report.RootElement.GetProperty("scenarios")[0];
        Assert.Equal("straggler", scenario.GetProperty("name").GetString());
        Assert.Equal("await", scenario.GetProperty("strategies")[0].GetProperty("name").GetString());
    }

    private static string FindRepositoryRoot()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Dataflow.sln")))
            {
                return d.FullName;
            }
        }

        throw new InvalidOperationException("Dataflow.sln not found above the test's output.");
    }

    /// <summary>Runs a process to its end and returns its output; a non-zero exit fails the test with both streams.</summary>
    private static async Task<string> RunAsync(string fileName, string[] args, string workingDirectory, CancellationToken ct)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync(ct);
        Task<string> error = process.StandardError.ReadToEndAsync(ct);
        try
        {
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"'{fileName} {string.Join(' ', args)}' did not finish within {s_deadline.TotalMinutes} minutes.");
        }

        string text = await output;
        Assert.True(process.ExitCode == 0, $"'{fileName} {string.Join(' ', args)}' exited {process.ExitCode}:\n{text}\n{await error}");
        return text;
    }
}
