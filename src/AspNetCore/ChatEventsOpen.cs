namespace ToolFlow.AspNetCore;

/// <summary>What opening an event stream gave: a stream; none because the conversation serves its most streams (<see cref="Full"/>); or none because it is gone.</summary>
internal readonly record struct ChatEventsOpen(ChatEventStream? Stream, bool Full);
