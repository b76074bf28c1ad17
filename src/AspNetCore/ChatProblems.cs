using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using ToolFlow.Blocks;

namespace ToolFlow.AspNetCore;

/// <summary>The routes' errors: RFC 7807 problem details whose extension <c>code</c> names the error for programs.</summary>
internal static class ChatProblems
{
    public static ProblemHttpResult Of(int status, string code, string title, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title, extensions: new Dictionary<string, object?> { ["code"] = code });

    public static ProblemHttpResult Unauthenticated() =>
        Of(StatusCodes.Status401Unauthorized, "unauthenticated", "Unauthenticated", "The request has no user to own a conversation.");

    public static ProblemHttpResult ConversationNotFound(string id) =>
        Of(StatusCodes.Status404NotFound, "conversation_not_found", "Conversation not found", $"There is no conversation '{id}'.");

    public static ProblemHttpResult InvalidBody(string detail) =>
        Of(StatusCodes.Status400BadRequest, "invalid_body", "Invalid body", detail);

    public static ProblemHttpResult Control(ToolControlResult result, string callId) => result switch
    {
        ToolControlResult.UnknownCall => Of(StatusCodes.Status404NotFound, "call_not_found", "Call not found", $"The conversation has no call '{callId}'."),
        ToolControlResult.CallEnded => Of(StatusCodes.Status409Conflict, "call_ended", "Call ended", $"The call '{callId}' has ended; nothing was changed."),
        ToolControlResult.NotAwaitingApproval => Of(StatusCodes.Status409Conflict, "not_awaiting_approval", "Not awaiting approval", $"The call '{callId}' is not waiting for approval."),
        ToolControlResult.AlreadyApproved => Of(StatusCodes.Status409Conflict, "already_approved", "Already approved", $"The call '{callId}' was approved already."),
        ToolControlResult.AlreadyDenied => Of(StatusCodes.Status409Conflict, "already_denied", "Already denied", $"The call '{callId}' was denied already."),
        ToolControlResult.AlreadyCancelled => Of(StatusCodes.Status409Conflict, "already_cancelled", "Already cancelled", "The turn is being cancelled already."),
        _ => NoTurnRunning(),
    };

    public static ProblemHttpResult ConversationUnavailable() =>
        Of(StatusCodes.Status503ServiceUnavailable, "conversation_unavailable", "Conversation unavailable",
            "The conversation's node cannot be reached just now (it may have died and the conversation is moving); try again.");

    public static ProblemHttpResult NoTurnRunning() =>
        Of(StatusCodes.Status409Conflict, "no_turn_running", "No turn running", "The conversation has no turn running.");
}
