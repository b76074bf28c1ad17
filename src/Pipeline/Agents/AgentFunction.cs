using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;

namespace ToolFlow.Pipeline;

/// <summary>
/// A pipeline as a tool (<see cref="ToolPipeline.AsTool"/>): each invocation runs a child conversation of the pipeline
/// from the task, and returns its final answer.
/// </summary>
/// <remarks>
/// Inside a ToolFlow run the child finds its parent's call through <see cref="RunningCall.Current"/>: it shares the
/// parent's executor (unless its pipeline names one) and gives back the call's global and conversation slots while it
/// runs, surfaces its events as <see cref="SubAgentEvent"/>s of that call, and runs one level deeper. Elsewhere (a
/// <see cref="FunctionInvokingChatClient"/>, a direct call) it runs as a top-level run of its pipeline.
/// </remarks>
internal sealed class AgentFunction : AIFunction
{
    private static readonly JsonElement s_schema = JsonDocument.Parse("""
        {
          "type": "object",
          "properties": {
            "task": { "type": "string", "description": "What the sub-agent should do, said in full: it sees nothing else of this conversation." },
            "context": { "type": "string", "description": "Optional background the sub-agent needs for the task." }
          },
          "required": ["task"]
        }
        """).RootElement.Clone();

    private readonly ToolPipeline _pipeline;
    private readonly AgentToolOptions _options;

    public AgentFunction(ToolPipeline pipeline, string name, string description, AgentToolOptions options)
    {
        _pipeline = pipeline;
        _options = options;
        Name = name;
        Description = description;
        Effects = options.Effects ?? UnionOfEffects(pipeline.Tools);

        // Read by ToolDescriptor.FromMetadata, so a parent that adds the function alone schedules it right.
        AdditionalProperties = ToolHints.For(Effects);
    }

    public override string Name { get; }

    public override string Description { get; }

    public override JsonElement JsonSchema => s_schema;

    public override IReadOnlyDictionary<string, object?> AdditionalProperties { get; }

    /// <summary>The effects the parent's scheduler is told.</summary>
    public ToolEffects Effects { get; }

    public ToolDescriptor CreateDescriptor() => new(this, Effects)
    {
        MaxConcurrency = _options.MaxConcurrency,
        Timeout = _options.Timeout,
    };

    // A child does what its tools do: read-only if all are, repeatable if all are read-only or idempotent.
    private static ToolEffects UnionOfEffects(IReadOnlyList<ToolDescriptor> tools) =>
        tools.All(t => t.Effects == ToolEffects.ReadOnly) ? ToolEffects.ReadOnly
        : tools.All(t => t.IsSafeToRepeat) ? ToolEffects.Idempotent
        : ToolEffects.SideEffecting;

    protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        string task = ReadText(arguments, "task", required: true)!;
        string? context = ReadText(arguments, "context", required: false);
        // Called outside any ToolFlow call, the child is a top-level run; under a pipeline's run, one level deeper.
        RunningCall? parent = RunningCall.Current;
        var parentRun = parent?.Owner as PipelineRun;
        int depth = (parentRun?.AgentDepth ?? 0) + 1;
        int limit = parentRun?.AgentDepthLimit ?? int.MaxValue;
        if (depth > limit)
        {
            throw Failure($"The sub-agent '{Name}' was not started: it would run at nesting depth {depth}, past the limit of {limit} (ToolPipelineOptions.MaxAgentDepth).");
        }

        // Sharing the parent's executor, the call waits for calls that need its slots: it gives them back first.
        ToolExecutor? executor = parent?.Executor;
        if (parent is { } call && (_pipeline.Options.Execution.Executor ?? executor) == executor)
        {
            call.LendSlots();
        }

        ChatMessage[] messages = [new(ChatRole.User, context is null ? task : $"{task}\n\nContext:\n{context}")];
        AgentScope? scope = parent is null ? null : new AgentScope(depth, limit, executor);
        ToolPipelineRun child = _pipeline.StartChild(messages, scope, cancellationToken);
        await using ConfiguredAsyncDisposable disposeChild = child.ConfigureAwait(false);
        RunCompleted? completed = null;
        Exception? modelError = null;
        int callsCompleted = 0;
        int callsFailed = 0;
        await foreach (ToolPipelineEvent @event in child.Events.ConfigureAwait(false))
        {
            switch (@event)
            {
                case RunCompleted end:
                    completed = end;
                    break;
                case TurnCompleted { Response.Error: { } error }:
                    modelError = error;
                    break;
                case ToolCallCompleted:
                    callsCompleted++;
                    break;
                case ToolCallFailed:
                    callsFailed++;
                    break;
            }

            if (parent is { } surface && Forwards(@event))
            {
                surface.Emit(new SubAgentEvent(surface.Call, Name, @event) { Turn = surface.Call.Turn });
            }
        }

        // A cancelled child ends its events with the cancellation, thrown above; anything else ends with RunCompleted.
        if (completed is null)
        {
            throw new InvalidOperationException($"The sub-agent '{Name}' ended without its last event.");
        }

        string why = completed.Reason switch
        {
            RunCompletionReason.FinalAnswer => string.Empty,
            RunCompletionReason.TurnLimitReached => $"it was still calling tools at its turn limit (MaxTurns = {completed.Turns})",
            RunCompletionReason.ModelFailed => "its model's response failed",
            RunCompletionReason.TurnCancelled => "its turn was cancelled",
            _ => completed.Reason.ToString(),
        };
        if (why.Length > 0)
        {
            // The model's own error goes to the event only: the parent model is told as much as of any tool's failure.
            string message = $"The sub-agent '{Name}' ended without an answer: {why}.";
            throw modelError is null ? Failure(message) : new ToolCallOutcomeException(ToolCallFailureKind.ToolException, $"{message} {modelError.Message}", $"Error: {message}");
        }

        return _options.IncludeCallSummary
            ? $"{completed.FinalText}\n\n[{Name}: {completed.Turns} turn(s), {callsCompleted} call(s) completed, {callsFailed} failed]"
            : completed.FinalText;
    }

    private bool Forwards(ToolPipelineEvent @event) => _options.Events switch
    {
        SubAgentEventForwarding.All => true,
        SubAgentEventForwarding.None => false,
        _ => (@event is SubAgentEvent wrapped ? wrapped.Innermost : @event) is not (TextDelta or ReasoningDelta or ToolArgumentsDelta or ModelUpdateReceived),
    };

    // What the model reads is the reason itself, whether or not the parent shows tools' errors in detail.
    private static ToolCallOutcomeException Failure(string message) => new(ToolCallFailureKind.ToolException, message, $"Error: {message}");

    private string? ReadText(AIFunctionArguments arguments, string name, bool required)
    {
        object? value = arguments.TryGetValue(name, out object? v) ? v : null;
        string? text = value switch
        {
            null => null,
            string s => s,
            JsonElement { ValueKind: JsonValueKind.String } j => j.GetString(),
            JsonElement { ValueKind: JsonValueKind.Null } => null,
            _ => throw Failure($"The sub-agent '{Name}' takes '{name}' as a string; it was given {Describe(value)}."),
        };
        if (required && string.IsNullOrWhiteSpace(text))
        {
            throw Failure($"The sub-agent '{Name}' needs a '{name}': say what it should do.");
        }

        return string.IsNullOrWhiteSpace(text) ? null : text;
    }

    private static string Describe(object value) => value is JsonElement j ? $"a JSON {j.ValueKind.ToString().ToLowerInvariant()}" : $"a {value.GetType().Name}";
}
