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
/// One listener per source name, made the first time a traced run's model exposes a source of that name, and kept
/// for the process: it matches every source of the name, those made later included (a chain built per request makes
/// a new one each time), so the listeners are as many as the names. It never samples (that is the application's
/// listener's choice), so it creates no span; it only hears of the ones that are created.
/// </remarks>
internal static class RequestSpanWatcher
{
    /// <summary>The custom property of a turn's span that holds its <see cref="TurnState"/>.</summary>
    public const string TurnStateProperty = "ToolFlow.Turn";

    private static readonly ConcurrentDictionary<string, ActivityListener> s_listeners = new(StringComparer.Ordinal);

    /// <summary>Listens to the sources named as <paramref name="source"/> is from now on, once.</summary>
    public static void Watch(ActivitySource source)
    {
        if (source.Name == ToolPipelineTelemetry.ActivitySourceName || s_listeners.ContainsKey(source.Name))
        {
            return;
        }

        s_listeners.GetOrAdd(source.Name, static name =>
        {
            var listener = new ActivityListener
            {
                ShouldListenTo = candidate => candidate.Name == name,
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
