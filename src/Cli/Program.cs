using System.CommandLine;
using System.Runtime.InteropServices;
using ToolFlow.Cli.Demo;

namespace ToolFlow.Cli;

/// <summary>The <c>toolflow</c> command.</summary>
internal static class Program
{
    /// <summary>The exit code of a command stopped by Ctrl-C or SIGTERM, as shells report 128 + SIGINT.</summary>
    public const int Cancelled = 130;

    public static async Task<int> Main(string[] args)
    {
        // The command line library's own termination handler is turned off: it answers a signal by returning 130
        // after a short timeout whether or not the command has finished, so a run lost its --record and left
        // tools behind. The signal here only cancels the command's token; the command ends its work and says 130.
        using var cancellation = new CancellationTokenSource();
        using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => Cancel(c, cancellation));
        using PosixSignalRegistration terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => Cancel(c, cancellation));
        int exitCode = await BuildCommand().Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, cancellation.Token).ConfigureAwait(false);
        return cancellation.IsCancellationRequested ? Cancelled : exitCode;
    }

    // A first signal asks the command to stop; a second one, while it is still stopping, ends the process at once.
    private static void Cancel(PosixSignalContext context, CancellationTokenSource cancellation)
    {
        if (cancellation.IsCancellationRequested)
        {
            return;
        }

        context.Cancel = true;
        cancellation.Cancel();
    }

    internal static RootCommand BuildCommand()
    {
        var root = new RootCommand("ToolFlow: streaming tool calling for .NET. Tools start the moment their call is complete, mid-decode.");
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(Parse.ParseCommand.Create());
        root.Subcommands.Add(Bench.BenchCommand.Create());
        root.Subcommands.Add(Run.RunCommand.Create());
        return root;
    }
}
