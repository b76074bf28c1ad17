using System.Collections.Concurrent;
using System.Diagnostics;

namespace ToolFlow.Pipeline;

/// <summary>
/// Finds the span of each turn's model request: when the model is wrapped with <c>UseOpenTelemetry</c>, its
/// <c>chat {model}</c> span starts inside the model's async iterator, which never hands
/// <see cref="Activity.Current"/> back to the caller (dotnet/runtime#47802). The request runs under the turn's span
/// (<see cref="TurnActivityChatClient"/>), so a listener on the model's own source sees the span start with the turn
/// as its parent, and records it on the turn.
/// </summary>
/// <remarks>
/// One listener per source, made the first time a traced run's model exposes it, and kept for the process: a source
/// is matched once, when a listener is added. The listener never samples (it leaves that to the application's), so
/// it creates no span; it only hears of the ones that are created.
/// </remarks>
internal static class RequestSpanWatcher
{
    /// <summary>The custom property of a turn's span that holds its <see cref="TurnState"/>.</summary>
    public const string TurnStateProperty = "ToolFlow.Turn";

    private static readonly ConcurrentDictionary<ActivitySource, ActivityListener> s_listeners = new();

    /// <summary>Listens to <paramref name="source"/> from now on, once.</summary>
    public static void Watch(ActivitySource source)
    {
        if (ReferenceEquals(source, PipelineInstruments.Source) || s_listeners.ContainsKey(source))
        {
            return;
        }

        s_listeners.GetOrAdd(source, static s =>
        {
            var listener = new ActivityListener
            {
                ShouldListenTo = candidate => ReferenceEquals(candidate, s),
                ActivityStarted = static activity =>
                {
                    if (activity.Parent?.GetCustomProperty(TurnStateProperty) is TurnState turn)
                    {
                        turn.RecordRequestSpan(activity.Context);
                    }
                },
            };
            ActivitySource.AddActivityListener(listener);
            return listener;
        });
    }
}
