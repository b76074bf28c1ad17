using Microsoft.Extensions.AI;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ToolFlow.Blocks;

namespace ToolFlow.Providers.Mcp;

/// <summary>
/// An MCP tool as the pipeline runs it: the SDK's <see cref="McpClientTool"/>, except that a call cut short by the
/// server exiting, or made after it exited, fails at once with an <see cref="McpServerExitedException"/> that says so;
/// and, run by a <see cref="ToolExecutionBlock"/>, the server's progress notifications for the call go to the call's
/// <see cref="ToolProgress.Current"/> reporter (the request then carries a progress token).
/// </summary>
internal sealed class McpToolFunction : DelegatingAIFunction
{
    private readonly McpToolSource _source;

    public McpToolFunction(McpClientTool tool, McpToolSource source)
        : base(tool)
    {
        _source = source;
        Tool = tool;
    }

    /// <summary>The SDK's tool.</summary>
    public McpClientTool Tool { get; }

    protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        Task exited = _source.Completion;
        if (exited.IsCompleted)
        {
            throw _source.CreateExitedException(Name, null);
        }

        // The SDK sends a progress token only when given a reporter, so only a call that has one asks for progress.
        AIFunction target = ToolProgress.Current is { } progress ? Tool.WithProgress(new McpProgressForwarder(progress)) : InnerFunction;
        Task<object?> call = target.InvokeAsync(arguments, cancellationToken).AsTask();

        // Race the call against the session's end, so a request the SDK never answers cannot hang the pipeline.
        if (await Task.WhenAny(call, exited).ConfigureAwait(false) != call)
        {
            _ = call.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            throw _source.CreateExitedException(Name, null);
        }

        try
        {
            return await call.ConfigureAwait(false);
        }
        catch (Exception e) when (e is not McpProtocolException && !(e is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            // The server answering with an error is the tool's failure; the pipe breaking under the call is the server's end.
            if (!exited.IsCompleted && !McpToolSource.IsTransportClosed(e))
            {
                throw;
            }

            await exited.ConfigureAwait(false);
            throw _source.CreateExitedException(Name, e);
        }
    }
}
