using Microsoft.Extensions.AI;

namespace ToolFlow.Providers.Scripted;

/// <summary>One token of a scripted stream, and when it is sent.</summary>
/// <param name="Offset">When the token is sent, from the start of the request.</param>
/// <param name="Content">What the token carries: text, or a tool-call fragment.</param>
/// <param name="ClosesCall">The index of the call whose arguments this token completes, if any.</param>
public sealed record ScriptedToken(TimeSpan Offset, AIContent Content, int? ClosesCall);
