using System.Collections.Concurrent;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.Pipeline;
using ToolFlow.Providers.Scripted;

namespace ToolFlow.AspNetCore.Tests;

/// <summary>A tool whose calls finish when the test opens its gate; it says when a call has started.</summary>
internal sealed class ToolGate
{
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<string> _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Started => _started.Task;

    public void Open(string result) => _release.TrySetResult(result);

    public async Task<string> InvokeAsync(CancellationToken cancellationToken)
    {
        _started.TrySetResult();
        return await _release.Task.WaitAsync(cancellationToken);
    }
}

/// <summary>
/// The scripted model and gated tools behind the endpoints: each turn's response comes from <see cref="Script"/>,
/// every tool named in <see cref="Gates"/> waits for its gate. The model streams as fast as the machine goes; the
/// tests order things by gates, never by time.
/// </summary>
internal sealed class ChatScenario
{
    private readonly ConcurrentDictionary<string, ToolGate> _gates = new();

    public ChatScenario(Func<IReadOnlyList<ChatMessage>, ScriptedResponse> script)
    {
        Model = new ScriptedChatClient(script, new ScriptedModelOptions { TimeToFirstToken = TimeSpan.Zero, TokensPerSecond = 1_000_000 });
        Holding = new HoldingChatClient(Model);
    }

    public ScriptedChatClient Model { get; }

    /// <summary>The model the pipeline talks to: <see cref="Model"/>, held after each call when <see cref="Hold"/> is set.</summary>
    public HoldingChatClient Holding { get; }

    /// <summary>Whether the model's stream is held after a call until <see cref="HoldingChatClient.Release"/>.</summary>
    public bool Hold { get; set; }

    /// <summary>Tool names that need approval.</summary>
    public HashSet<string> NeedApproval { get; } = [];

    public ToolPipelineMode Mode { get; set; } = ToolPipelineMode.Await;

    /// <summary>Wraps the conversation's ledger, when its host gives one (a conversation grain), before the pipeline records into it.</summary>
    public Func<IToolCallLedger, IToolCallLedger>? WrapLedger { get; set; }

    /// <summary>Anything more for the pipeline, applied last.</summary>
    public Action<ToolPipelineBuilder>? Configure { get; set; }

    /// <summary>What the factory was told, per user message.</summary>
    public ConcurrentQueue<(string ConversationId, int Turn, IReadOnlyDictionary<string, string> Settings)> Contexts { get; } = new();

    public ToolGate Gate(string tool) => _gates.GetOrAdd(tool, _ => new ToolGate());

    /// <summary>The factory for <c>MapToolPipelineChat</c>: gated tools <c>slow</c>, <c>fast</c>, <c>other</c>, <c>charge</c>, <c>report</c> (which reports progress 1/2 then waits).</summary>
    public ToolPipeline Create(ToolPipelineChatContext context)
    {
        Contexts.Enqueue((context.ConversationId, context.Turn, context.Settings));
        ToolPipelineBuilder builder = ToolPipeline.CreateBuilder(Hold ? Holding : Model).WithMode(Mode).WithExternalApproval();
        foreach (string name in new[] { "slow", "fast", "other", "charge" })
        {
            ToolGate gate = Gate(name);
            AIFunction function = AIFunctionFactory.Create((string q, CancellationToken ct) => gate.InvokeAsync(ct), name);
            builder.AddTool(new ToolDescriptor(function, ToolEffects.ReadOnly) { RequiresApproval = NeedApproval.Contains(name) });
        }

        ToolGate reportStart = Gate("report-start");
        ToolGate reportGate = Gate("report");
        builder.AddTool(
            AIFunctionFactory.Create(
                async (string q, IProgress<ToolProgressUpdate> progress, CancellationToken ct) =>
                {
                    await reportStart.InvokeAsync(ct);
                    progress.Report(new ToolProgressUpdate(1, 2, "half way"));
                    return await reportGate.InvokeAsync(ct);
                },
                ToolProgress.BindParameters(new AIFunctionFactoryOptions { Name = "report" })),
            ToolEffects.ReadOnly);
        if (context.Ledger is { } ledger)
        {
            builder.WithLedger(WrapLedger?.Invoke(ledger) ?? ledger);
        }

        Configure?.Invoke(builder);
        return builder.Build();
    }

    public static ScriptedResponse Text(string text) => new ScriptedResponse().Text(text);

    /// <summary>A script by model turn (counted across the conversation): turn N answers with <paramref name="turns"/>[N - 1].</summary>
    public static ChatScenario ByTurn(params ScriptedResponse[] turns) => new(messages => turns[ScriptedChatClient.TurnOf(messages) - 1]);
}
