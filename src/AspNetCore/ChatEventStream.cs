using System.Net.ServerSentEvents;

namespace ToolFlow.AspNetCore;

/// <summary>An open event stream: its items (snapshot or replay first, then live) and how to let it go if it is never read to the end.</summary>
internal sealed record ChatEventStream(IAsyncEnumerable<SseItem<string>> Items, Func<ValueTask> Close);

/// <summary>What opening an event stream gave: a stream; none because the conversation serves its most streams (<see cref="Full"/>); or none because it is gone.</summary>
internal readonly record struct ChatEventsOpen(ChatEventStream? Stream, bool Full);

/// <summary>What a control did, and for a branch how many calls it cancelled.</summary>
internal readonly record struct ToolControlOutcome(ToolFlow.Blocks.ToolControlResult Result, int Cancelled = 0);
