using System.CommandLine;
using System.Runtime.InteropServices;
using ToolFlow.Cli.Demo;

namespace ToolFlow.Cli;

/// <summary>The <c>toolflow</c> command.</summary>
internal static class Program
{
    /// <summary>The exit code of a command stopped by Ctrl-C or SIGTERM, as shells report 128 + SIGINT.</summary>
    public const int Cancelled = 130;

    /// <summary>The exit code of every usage error: a bad option, value or path, found before anything runs.</summary>
    public const int UsageError = 2;

    public static async Task<int> Main(string[] args)
    {
        // System.CommandLine 2.0.0 registers no signal handler unless ProcessTerminationTimeout is set (its default is
        // null), so SIGINT ended the process at once and the action's token never fired. Its handler, when set, also
        // answers 130 after that timeout whether or not the command has finished. Here a signal only cancels the token;
        // the command ends its tools, saves what it was asked to, and the exit code is 130.
        using var cancellation = new CancellationTokenSource();
        using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => Cancel(c, cancellation));
        using PosixSignalRegistration terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => Cancel(c, cancellation));
        try
        {
            var configuration = new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false };
            int exitCode = await InvokeAsync(args, configuration, cancellation.Token).ConfigureAwait(false);
            return cancellation.IsCancellationRequested ? Cancelled : exitCode;
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("toolflow: cancelled.").ConfigureAwait(false);
            return Cancelled;
        }
        catch (Exception e)
        {
            // The library's own handler would print the exception as it is, and its message can quote a model, a
            // tool or a server.
            await Console.Error.WriteLineAsync($"toolflow: unexpected error: {TerminalText.Stream(e.ToString())}").ConfigureAwait(false);
            return 1;
        }
    }

    /// <summary>
    /// Parses and runs a command line. A command line the parser rejects (an unknown option, a value that is not a
    /// number) exits with <see cref="UsageError"/>, as every command's own usage errors do, not the library's 1.
    /// </summary>
    internal static async Task<int> InvokeAsync(string[] args, InvocationConfiguration configuration, CancellationToken cancellationToken)
    {
        ParseResult parse = BuildCommand().Parse(args);
        if (parse.Errors.Count == 0 && parse.CommandResult.Command.Options.FirstOrDefault(o => o.Name == OtlpExport.OptionName) is Option<string?> otlp
            && parse.GetValue(otlp) is { } collector)
        {
            if (!OtlpExport.TryParse(collector, out Uri root))
            {
                TextWriter error = configuration.Error ?? Console.Error;
                await error.WriteLineAsync($"toolflow: {OtlpExport.OptionName} takes an http or https address such as http://127.0.0.1:4318 (got '{TerminalText.OneLine(collector)}').").ConfigureAwait(false);
                return UsageError;
            }

            using IDisposable export = OtlpExport.Start(root);
            return await parse.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
        }

        int exitCode = await parse.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
        return parse.Errors.Count > 0 ? UsageError : exitCode;
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
        root.Subcommands.Add(Ledger.LedgerCommand.Create());
        return root;
    }
}
