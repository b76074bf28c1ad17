using System.Net.ServerSentEvents;

namespace ToolFlow.AspNetCore;

/// <summary>An open event stream: its items (snapshot or replay first, then live) and how to let it go if it is never read to the end.</summary>
internal sealed record ChatEventStream(IAsyncEnumerable<SseItem<string>> Items, Func<ValueTask> Close);
