using System.CommandLine;
using ToolFlow.Cli.Demo;

namespace ToolFlow.Cli;

/// <summary>The <c>toolflow</c> command.</summary>
internal static class Program
{
    public static Task<int> Main(string[] args) => BuildCommand().Parse(args).InvokeAsync();

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
