using System.Threading.Channels;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.Pipeline;

namespace ToolFlow.WireTesting;

/// <summary>
/// A pipeline run read in the background, so a test can wait for a given event while it steps the server, then read
/// the rest. Every event read so far is in <see cref="Events"/>.
/// </summary>
public sealed class PipelineRun
{
    private readonly Channel<ToolPipelineEvent> _channel = Channel.CreateUnbounded<ToolPipelineEvent>();
    private readonly List<ToolPipelineEvent> _events = [];
    private readonly Task _pump;

    private PipelineRun(ToolPipeline pipeline, IEnumerable<ChatMessage> messages, CancellationToken cancellationToken)
    {
        _pump = Task.Run(
            async () =>
            {
                try
                {
                    await foreach (ToolPipelineEvent e in pipeline.RunAsync(messages, cancellationToken))
                    {
                        _channel.Writer.TryWrite(e);
                    }

                    _channel.Writer.TryComplete();
                }
                catch (Exception e)
                {
                    _channel.Writer.TryComplete(e);
                }
            },
            CancellationToken.None);
    }

    /// <summary>The events read so far, in order.</summary>
    public IReadOnlyList<ToolPipelineEvent> Events => _events;

    /// <summary>Starts a run.</summary>
    /// <param name="pipeline">The pipeline.</param>
    /// <param name="prompt">The user's message.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>The run.</returns>
    public static PipelineRun Start(ToolPipeline pipeline, string prompt, CancellationToken cancellationToken) =>
        new(pipeline, [new ChatMessage(ChatRole.User, prompt)], cancellationToken);

    /// <summary>The first event of type <typeparamref name="T"/> that matches, among those read so far or, failing that, the next ones.</summary>
    /// <typeparam name="T">The event type.</typeparam>
    /// <param name="predicate">Which event, or <see langword="null"/> for the first of its type.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The event.</returns>
    public async Task<T> WaitForAsync<T>(Func<T, bool>? predicate, CancellationToken cancellationToken)
        where T : ToolPipelineEvent
    {
        foreach (ToolPipelineEvent e in _events)
        {
            if (e is T match && (predicate is null || predicate(match)))
            {
                return match;
            }
        }

        while (await _channel.Reader.WaitToReadAsync(cancellationToken))
        {
            while (_channel.Reader.TryRead(out ToolPipelineEvent? e))
            {
                _events.Add(e);
                if (e is T match && (predicate is null || predicate(match)))
                {
                    return match;
                }
            }
        }

        throw new InvalidOperationException($"The run ended without a {typeof(T).Name} that matches.");
    }

    /// <summary>Reads the rest of the run.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The run's last event.</returns>
    public Task<RunCompleted> CompletionAsync(CancellationToken cancellationToken) => WaitForAsync<RunCompleted>(null, cancellationToken);

    /// <summary>Waits for the run's reader to stop, whatever ended it, and reads what is left.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The exception the run ended with, if any.</returns>
    public async Task<Exception?> DrainAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (ToolPipelineEvent e in _channel.Reader.ReadAllAsync(cancellationToken))
            {
                _events.Add(e);
            }

            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            await _pump.WaitAsync(cancellationToken);
            return e;
        }
    }
}
