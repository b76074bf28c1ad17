using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.AI;
using ToolFlow.AspNetCore;

namespace ToolFlow.Samples.ChatUi;

/// <summary>How <see cref="ChatUiApp"/> starts: where it listens, which scenarios it offers, which model it talks to.</summary>
public sealed class ChatUiOptions
{
    /// <summary>The port on 127.0.0.1; 0 picks a free one (the tests do). Default 5080, or <c>--port</c>.</summary>
    public int Port
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 65535);
            field = value;
        }
    } = 5080;

    /// <summary>
    /// The scenarios the picker offers, in order. Filled with the sample's own and the shipped latency scenarios
    /// before the configure callback runs; add or remove freely.
    /// </summary>
    public IList<ChatScenario> Scenarios { get; } = [];

    /// <summary>The scenario a new conversation uses when none is chosen; <see langword="null"/> for the first one.</summary>
    public string? DefaultScenario { get; set; }

    /// <summary>The clock of the pipelines and of the chat endpoints.</summary>
    public TimeProvider TimeProvider
    {
        get;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            field = value;
        }
    } = TimeProvider.System;

    /// <summary>Changes the chat endpoints' options (limits, buffers) after the sample set its own.</summary>
    public Action<ToolPipelineChatOptions>? ConfigureChat { get; set; }

    /// <summary>Adds middleware ahead of the app's own (after its users are known), e.g. to log or to watch requests.</summary>
    public Action<WebApplication>? ConfigureApp { get; set; }

    /// <summary>
    /// The tools a worker node runs for the conversations of any node (by name); a scenario sends a call there with
    /// <see cref="ChatScenarioTurn.Place"/>. Filled with the travel scenario's tools before the configure callback runs.
    /// </summary>
    public IList<AIFunction> WorkerTools { get; } = [];

    /// <summary>How this process joins a cluster (<c>--node</c>), or <see langword="null"/> when it runs alone; read-only for the configure callback.</summary>
    public ChatUiNodeArguments? Node { get; internal set; }
}
