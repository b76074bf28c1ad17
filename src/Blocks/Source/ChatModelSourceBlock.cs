using Microsoft.Extensions.AI;

namespace ToolFlow.Blocks;

/// <summary>
/// The mesh's source: for each <see cref="ModelRequest"/> it streams the model's response and offers
/// <see cref="TurnStarted"/>, one <see cref="ModelUpdateReceived"/> per update, then <see cref="ModelStreamEnded"/>.
/// A model failure ends the turn's stream with the error; it does not fault the block.
/// </summary>
public sealed class ChatModelSourceBlock : ToolEventBlock<ModelRequest>
{
    private readonly IChatClient _chatClient;

    /// <summary>Initializes the block.</summary>
    /// <param name="chatClient">The model.</param>
    /// <param name="options">Clock, scheduler and cancellation, or <see langword="null"/> for the defaults.</param>
    public ChatModelSourceBlock(IChatClient chatClient, ToolBlockOptions? options = null)
        : base(options ?? new ToolBlockOptions())
    {
        ArgumentNullException.ThrowIfNull(chatClient);
        _chatClient = chatClient;
    }

    private protected override async Task HandleAsync(ModelRequest message)
    {
        int turn = message.Turn;
        Emit(new TurnStarted(message.Messages) { Turn = turn });

        ChatFinishReason? finishReason = null;
        UsageDetails? usage = null;
        Exception? error = null;
        try
        {
            await foreach (ChatResponseUpdate update in _chatClient.GetStreamingResponseAsync(message.Messages, message.Options, CancellationToken).ConfigureAwait(false))
            {
                Emit(new ModelUpdateReceived(update) { Turn = turn });
                finishReason = update.FinishReason ?? finishReason;
                foreach (AIContent content in update.Contents)
                {
                    if (content is UsageContent u)
                    {
                        usage = u.Details;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            error = e;
        }

        Emit(new ModelStreamEnded(finishReason, usage, error) { Turn = turn });
    }
}
