using System.ClientModel.Primitives;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using OpenAIChat = OpenAI.Chat;

namespace ToolFlow.Providers.OpenAI;

/// <summary>Maps <c>Microsoft.Extensions.AI</c> messages and options onto the OpenAI SDK's, and its answers back.</summary>
#pragma warning disable SCME0001 // JsonPatch reads and writes fields the SDK has no property for (reasoning_content, max_tokens, top_k).
#pragma warning disable OPENAI001 // Seed, reasoning effort and the developer role are evaluation APIs of the SDK; the wire fields are stable.
internal static class OpenAIChatMapping
{
    // The wire wants compact JSON; AIJsonUtilities.DefaultOptions indents.
    private static readonly JsonSerializerOptions s_compact = new(AIJsonUtilities.DefaultOptions) { WriteIndented = false };

    public static List<OpenAIChat.ChatMessage> ToOpenAIMessages(IEnumerable<ChatMessage> messages, string? instructions)
    {
        var result = new List<OpenAIChat.ChatMessage>();
        if (!string.IsNullOrWhiteSpace(instructions))
        {
            result.Add(new OpenAIChat.SystemChatMessage(instructions));
        }

        foreach (ChatMessage message in messages)
        {
            ArgumentNullException.ThrowIfNull(message, nameof(messages));
            if (message.RawRepresentation is OpenAIChat.ChatMessage raw)
            {
                result.Add(raw);
                continue;
            }

            if (message.Role == ChatRole.Assistant)
            {
                result.Add(ToAssistantMessage(message));
                continue;
            }

            // Tool results go as tool messages, whatever role carries them, in their order.
            foreach (AIContent content in message.Contents)
            {
                if (content is FunctionResultContent functionResult)
                {
                    result.Add(new OpenAIChat.ToolChatMessage(functionResult.CallId, ResultText(functionResult)));
                }
            }

            if (message.Role == ChatRole.Tool)
            {
                continue;
            }

            List<OpenAIChat.ChatMessageContentPart> parts = ToParts(message.Contents);
            if (parts.Count == 0 && message.Contents.Any(c => c is FunctionResultContent))
            {
                continue;
            }

            if (message.Role == ChatRole.System)
            {
                result.Add(new OpenAIChat.SystemChatMessage(message.Text) { ParticipantName = message.AuthorName });
            }
            else if (string.Equals(message.Role.Value, "developer", StringComparison.OrdinalIgnoreCase))
            {
                result.Add(new OpenAIChat.DeveloperChatMessage(message.Text) { ParticipantName = message.AuthorName });
            }
            else
            {
                OpenAIChat.UserChatMessage user = parts.Count == 0 ? new OpenAIChat.UserChatMessage(string.Empty) : new OpenAIChat.UserChatMessage(parts);
                user.ParticipantName = message.AuthorName;
                result.Add(user);
            }
        }

        return result;
    }

    public static OpenAIChat.ChatCompletionOptions ToOpenAIOptions(ChatOptions? options, IChatClient owner, bool useLegacyMaxTokens)
    {
        var result = options?.RawRepresentationFactory?.Invoke(owner) as OpenAIChat.ChatCompletionOptions ?? new OpenAIChat.ChatCompletionOptions();
        if (options is null)
        {
            return result;
        }

        result.Temperature ??= options.Temperature;
        result.TopP ??= options.TopP;
        result.FrequencyPenalty ??= options.FrequencyPenalty;
        result.PresencePenalty ??= options.PresencePenalty;
        result.Seed ??= options.Seed;
        if (options.MaxOutputTokens is int maxTokens)
        {
            if (useLegacyMaxTokens)
            {
                result.Patch.Set("$.max_tokens"u8, maxTokens);
            }
            else
            {
                result.MaxOutputTokenCount ??= maxTokens;
            }
        }

        if (options.TopK is int topK)
        {
            // Not an OpenAI field; vLLM, llama.cpp and Ollama read it.
            result.Patch.Set("$.top_k"u8, topK);
        }

        foreach (string stop in options.StopSequences ?? [])
        {
            result.StopSequences.Add(stop);
        }

        if (options.Reasoning?.Effort is ReasoningEffort effort)
        {
            result.ReasoningEffortLevel ??= effort switch
            {
                ReasoningEffort.None => OpenAIChat.ChatReasoningEffortLevel.None,
                ReasoningEffort.Low => OpenAIChat.ChatReasoningEffortLevel.Low,
                ReasoningEffort.Medium => OpenAIChat.ChatReasoningEffortLevel.Medium,
                ReasoningEffort.High => OpenAIChat.ChatReasoningEffortLevel.High,
                // OpenAI 2.14 (what Microsoft.Extensions.AI.OpenAI 11 is built on) has no named level above high.
                _ => new OpenAIChat.ChatReasoningEffortLevel("xhigh"),
            };
        }

        foreach (AITool tool in options.Tools ?? [])
        {
            if (tool is AIFunctionDeclaration function)
            {
                result.Tools.Add(OpenAIChat.ChatTool.CreateFunctionTool(
                    function.Name,
                    string.IsNullOrEmpty(function.Description) ? null : function.Description,
                    BinaryData.FromString(function.JsonSchema.GetRawText())));
            }
        }

        if (result.Tools.Count > 0)
        {
            result.AllowParallelToolCalls ??= options.AllowMultipleToolCalls;
            result.ToolChoice ??= options.ToolMode switch
            {
                NoneChatToolMode => OpenAIChat.ChatToolChoice.CreateNoneChoice(),
                AutoChatToolMode => OpenAIChat.ChatToolChoice.CreateAutoChoice(),
                RequiredChatToolMode { RequiredFunctionName: string name } => OpenAIChat.ChatToolChoice.CreateFunctionChoice(name),
                RequiredChatToolMode => OpenAIChat.ChatToolChoice.CreateRequiredChoice(),
                _ => null,
            };
        }

        result.ResponseFormat ??= options.ResponseFormat switch
        {
            ChatResponseFormatText => OpenAIChat.ChatResponseFormat.CreateTextFormat(),
            ChatResponseFormatJson { Schema: JsonElement schema } json => OpenAIChat.ChatResponseFormat.CreateJsonSchemaFormat(
                json.SchemaName ?? "json_schema",
                BinaryData.FromString(schema.GetRawText()),
                json.SchemaDescription),
            ChatResponseFormatJson => OpenAIChat.ChatResponseFormat.CreateJsonObjectFormat(),
            _ => null,
        };

        // Anything else the server understands (vLLM's chat_template_kwargs, Ollama's options, ...) goes as it is.
        foreach (KeyValuePair<string, object?> property in options.AdditionalProperties ?? [])
        {
            if (property.Key.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
            {
                byte[] path = Encoding.UTF8.GetBytes("$." + property.Key);
                string json = property.Value is JsonElement element ? element.GetRawText() : JsonSerializer.Serialize(property.Value, s_compact.GetTypeInfo(typeof(object)));
                result.Patch.Set(path, BinaryData.FromString(json));
            }
        }

        return result;
    }

    public static ChatResponseUpdate ToUpdate(OpenAIChat.StreamingChatCompletionUpdate update)
    {
        var result = new ChatResponseUpdate
        {
            Role = update.Role is OpenAIChat.ChatMessageRole role ? ToRole(role) : ChatRole.Assistant,
            ResponseId = update.CompletionId,
            MessageId = update.CompletionId,
            ModelId = update.Model,
            CreatedAt = update.CreatedAt == default ? null : update.CreatedAt,
            FinishReason = update.FinishReason is OpenAIChat.ChatFinishReason reason ? ToFinishReason(reason) : null,
            RawRepresentation = update,
        };

        if (ReadReasoning(ref update.Patch, "$.choices[0].delta.reasoning_content"u8, "$.choices[0].delta.reasoning"u8) is string reasoning)
        {
            result.Contents.Add(new TextReasoningContent(reasoning));
        }

        foreach (OpenAIChat.ChatMessageContentPart part in update.ContentUpdate)
        {
            if (part.Kind == OpenAIChat.ChatMessageContentPartKind.Text && !string.IsNullOrEmpty(part.Text))
            {
                result.Contents.Add(new TextContent(part.Text) { RawRepresentation = part });
            }
        }

        if (!string.IsNullOrEmpty(update.RefusalUpdate))
        {
            // A refusal is what the model says instead of an answer: the reader and the conversation should see it.
            result.Contents.Add(new TextContent(update.RefusalUpdate));
        }

        foreach (OpenAIChat.StreamingChatToolCallUpdate call in update.ToolCallUpdates)
        {
            result.Contents.Add(new ToolCallUpdateContent(call.Index, call.ToolCallId, call.FunctionName, call.FunctionArgumentsUpdate?.ToString())
            {
                RawRepresentation = call,
            });
        }

        if (update.Usage is { } usage)
        {
            result.Contents.Add(new UsageContent(ToUsage(usage)) { RawRepresentation = usage });
        }

        return result;
    }

    public static ChatResponse ToResponse(OpenAIChat.ChatCompletion completion)
    {
        var contents = new List<AIContent>();
        if (ReadReasoning(ref completion.Patch, "$.choices[0].message.reasoning_content"u8, "$.choices[0].message.reasoning"u8) is string reasoning)
        {
            contents.Add(new TextReasoningContent(reasoning));
        }

        foreach (OpenAIChat.ChatMessageContentPart part in completion.Content)
        {
            if (part.Kind == OpenAIChat.ChatMessageContentPartKind.Text && !string.IsNullOrEmpty(part.Text))
            {
                contents.Add(new TextContent(part.Text) { RawRepresentation = part });
            }
        }

        if (!string.IsNullOrEmpty(completion.Refusal))
        {
            contents.Add(new TextContent(completion.Refusal));
        }

        foreach (OpenAIChat.ChatToolCall call in completion.ToolCalls)
        {
            FunctionCallContent content = FunctionCallContent.CreateFromParsedArguments(
                call.FunctionArguments?.ToString() is { Length: > 0 } arguments ? arguments : "{}",
                call.Id,
                call.FunctionName,
                static json => JsonSerializer.Deserialize<Dictionary<string, object?>>(json, AIJsonUtilities.DefaultOptions));
            content.RawRepresentation = call;
            contents.Add(content);
        }

        var message = new ChatMessage(ToRole(completion.Role), contents)
        {
            MessageId = completion.Id,
            CreatedAt = completion.CreatedAt == default ? null : completion.CreatedAt,
            RawRepresentation = completion,
        };
        return new ChatResponse(message)
        {
            ResponseId = completion.Id,
            ModelId = completion.Model,
            CreatedAt = message.CreatedAt,
            FinishReason = ToFinishReason(completion.FinishReason),
            Usage = completion.Usage is { } usage ? ToUsage(usage) : null,
            RawRepresentation = completion,
        };
    }

    /// <summary>The error object a server puts in the stream when it fails mid-response, if this update is one.</summary>
    public static string? ReadStreamError(OpenAIChat.StreamingChatCompletionUpdate update)
    {
        if (!update.Patch.TryGetJson("$.error"u8, out ReadOnlyMemory<byte> json))
        {
            return null;
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(json);
            return DescribeError(document.RootElement) ?? Encoding.UTF8.GetString(json.Span);
        }
        catch (JsonException)
        {
            return Encoding.UTF8.GetString(json.Span);
        }
    }

    /// <summary>The message of an OpenAI-style error body: <c>{"error": {"message", "type", "code"}}</c> and its variants.</summary>
    public static string? DescribeError(JsonElement error)
    {
        switch (error.ValueKind)
        {
            case JsonValueKind.String:
                return error.GetString();
            case JsonValueKind.Object:
                if (error.TryGetProperty("error", out JsonElement inner))
                {
                    return DescribeError(inner);
                }

                string? message = error.TryGetProperty("message", out JsonElement m) && m.ValueKind == JsonValueKind.String ? m.GetString()
                    : error.TryGetProperty("detail", out JsonElement d) && d.ValueKind == JsonValueKind.String ? d.GetString()
                    : null;
                if (message is null)
                {
                    return null;
                }

                var details = new List<string>();
                foreach (string name in (ReadOnlySpan<string>)["type", "code"])
                {
                    if (error.TryGetProperty(name, out JsonElement value) && value.ValueKind is JsonValueKind.String or JsonValueKind.Number)
                    {
                        details.Add($"{name} {value}");
                    }
                }

                return details.Count == 0 ? message : $"{message} ({string.Join(", ", details)})";
            default:
                return null;
        }
    }

    private static OpenAIChat.AssistantChatMessage ToAssistantMessage(ChatMessage message)
    {
        var calls = new List<OpenAIChat.ChatToolCall>();
        foreach (AIContent content in message.Contents)
        {
            if (content is FunctionCallContent call)
            {
                string arguments = JsonSerializer.Serialize(call.Arguments ?? new Dictionary<string, object?>(), s_compact.GetTypeInfo(typeof(IDictionary<string, object?>)));
                calls.Add(OpenAIChat.ChatToolCall.CreateFunctionToolCall(call.CallId, call.Name, BinaryData.FromString(arguments)));
            }
        }

        string text = string.Concat(message.Contents.OfType<TextContent>().Select(t => t.Text));
        OpenAIChat.AssistantChatMessage result;
        if (calls.Count > 0)
        {
            result = new OpenAIChat.AssistantChatMessage(calls);
            if (text.Length > 0)
            {
                result.Content.Add(OpenAIChat.ChatMessageContentPart.CreateTextPart(text));
            }
        }
        else
        {
            result = new OpenAIChat.AssistantChatMessage(text);
        }

        result.ParticipantName = message.AuthorName;
        return result;
    }

    private static List<OpenAIChat.ChatMessageContentPart> ToParts(IList<AIContent> contents)
    {
        var parts = new List<OpenAIChat.ChatMessageContentPart>();
        foreach (AIContent content in contents)
        {
            switch (content)
            {
                case TextContent text when !string.IsNullOrEmpty(text.Text):
                    parts.Add(OpenAIChat.ChatMessageContentPart.CreateTextPart(text.Text));
                    break;
                case DataContent data when data.HasTopLevelMediaType("image"):
                    parts.Add(OpenAIChat.ChatMessageContentPart.CreateImagePart(BinaryData.FromBytes(data.Data), data.MediaType));
                    break;
                case UriContent uri when uri.HasTopLevelMediaType("image"):
                    parts.Add(OpenAIChat.ChatMessageContentPart.CreateImagePart(uri.Uri));
                    break;
            }
        }

        return parts;
    }

    private static string ResultText(FunctionResultContent result) => result.Result switch
    {
        null => result.Exception is { } e ? $"Error: {e.Message}" : string.Empty,
        string s => s,
        JsonElement { ValueKind: JsonValueKind.String } s => s.GetString() ?? string.Empty,
        JsonElement json => json.GetRawText(),
        TextContent text => text.Text,
        object value => JsonSerializer.Serialize(value, s_compact.GetTypeInfo(typeof(object))),
    };

    private static string? ReadReasoning(ref JsonPatch patch, ReadOnlySpan<byte> path, ReadOnlySpan<byte> alternative)
    {
        // DeepSeek, xAI, llama.cpp and older vLLM send reasoning_content; newer vLLM and OpenRouter send reasoning.
        if (patch.TryGetValue(path, out string? text) && !string.IsNullOrEmpty(text))
        {
            return text;
        }

        return patch.TryGetValue(alternative, out text) && !string.IsNullOrEmpty(text) ? text : null;
    }

    private static UsageDetails ToUsage(OpenAIChat.ChatTokenUsage usage) => new()
    {
        InputTokenCount = usage.InputTokenCount,
        OutputTokenCount = usage.OutputTokenCount,
        TotalTokenCount = usage.TotalTokenCount,
        CachedInputTokenCount = usage.InputTokenDetails?.CachedTokenCount,
        ReasoningTokenCount = usage.OutputTokenDetails?.ReasoningTokenCount,
    };

    private static ChatRole ToRole(OpenAIChat.ChatMessageRole role) => role switch
    {
        OpenAIChat.ChatMessageRole.System => ChatRole.System,
        OpenAIChat.ChatMessageRole.User => ChatRole.User,
        OpenAIChat.ChatMessageRole.Tool or OpenAIChat.ChatMessageRole.Function => ChatRole.Tool,
        OpenAIChat.ChatMessageRole.Developer => new ChatRole("developer"),
        _ => ChatRole.Assistant,
    };

    private static ChatFinishReason ToFinishReason(OpenAIChat.ChatFinishReason reason) => reason switch
    {
        OpenAIChat.ChatFinishReason.Stop => ChatFinishReason.Stop,
        OpenAIChat.ChatFinishReason.Length => ChatFinishReason.Length,
        OpenAIChat.ChatFinishReason.ContentFilter => ChatFinishReason.ContentFilter,
        OpenAIChat.ChatFinishReason.ToolCalls or OpenAIChat.ChatFinishReason.FunctionCall => ChatFinishReason.ToolCalls,
        _ => new ChatFinishReason(reason.ToString()),
    };
}
