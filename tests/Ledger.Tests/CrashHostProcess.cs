using System.Diagnostics;

namespace ToolFlow.Ledger.Tests;

/// <summary>Starts the crash host (tests/Ledger.CrashHost) with <c>dotnet</c>, reads its progress lines, and kills it after a chosen one.</summary>
internal static class CrashHostProcess
{
    /// <summary>The host's assembly, in the output folder of the same configuration as these tests.</summary>
    public static string HostPath { get; } = FindHost();

    /// <summary>
    /// Runs the host to its end, or kills it (its whole process tree) once it has printed <paramref name="killAfterLine"/>
    /// lines. Returns whether it was killed, its exit code and how many lines it printed.
    /// </summary>
    public static async Task<(bool Killed, int ExitCode, int Lines, string Error)> RunAsync(IReadOnlyList<string> arguments, int? killAfterLine, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(HostPath);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        Task<string> error = process.StandardError.ReadToEndAsync(cancellationToken);
        int lines = 0;
        bool killed = false;
        try
        {
            while (await process.StandardOutput.ReadLineAsync(cancellationToken) is not null)
            {
                lines++;
                if (lines == killAfterLine)
                {
                    process.Kill(entireProcessTree: true);
                    killed = true;
                    break;
                }
            }

            await process.WaitForExitAsync(cancellationToken);
        }
        finally
        {
            if (!process.HasExited)
            {
                // The guard's cancellation: leave no child behind.
                process.Kill(entireProcessTree: true);
            }
        }

        return (killed, process.ExitCode, lines, killed ? string.Empty : await error);
    }

    private static string FindHost()
    {
        // tests/Ledger.Tests/bin/CONFIG/TFM/ → tests/Ledger.CrashHost/bin/CONFIG/TFM/
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string framework = output.Name;
        string configuration = output.Parent!.Name;
        string tests = output.Parent.Parent!.Parent!.Parent!.FullName;
        string host = Path.Combine(tests, "Ledger.CrashHost", "bin", configuration, framework, "ToolFlow.Ledger.CrashHost.dll");
        return File.Exists(host) ? host : throw new FileNotFoundException($"The crash host is not built at {host}; build tests/Ledger.CrashHost.", host);
    }
}
