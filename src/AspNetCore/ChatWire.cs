using System.Text.Json;
using System.Text.Json.Serialization;

namespace ToolFlow.AspNetCore;

// Request and response bodies of the routes.
internal sealed record CreateConversationRequest(string? Message, Dictionary<string, string?>? Settings);

internal sealed record MessageRequest(string? Message);

internal sealed record DenyRequest(string? Reason);

internal sealed record ConversationCreatedResponse(string Id, string Events);

internal sealed record TurnStartedResponse(bool TurnStarted);

internal sealed record ControlResponse(string Result);

internal sealed record BranchCancelledResponse(string Result, int Cancelled);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ChatEvent))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(ToolPipelineChatSnapshot))]
[JsonSerializable(typeof(CreateConversationRequest))]
[JsonSerializable(typeof(MessageRequest))]
[JsonSerializable(typeof(DenyRequest))]
[JsonSerializable(typeof(ConversationCreatedResponse))]
[JsonSerializable(typeof(TurnStartedResponse))]
[JsonSerializable(typeof(ControlResponse))]
[JsonSerializable(typeof(BranchCancelledResponse))]
internal sealed partial class ChatJsonContext : JsonSerializerContext;
