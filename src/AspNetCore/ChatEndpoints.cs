using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;
using ToolFlow.Blocks;
using ToolFlow.Pipeline;

namespace ToolFlow.AspNetCore;

/// <summary>The route handlers. Every error is checked before anything changes, so a refused request changes nothing.</summary>
internal sealed class ChatEndpoints(Func<ToolPipelineChatContext, ToolPipeline> pipelineFactory)
{
    public async Task<Results<JsonHttpResult<ConversationCreatedResponse>, ProblemHttpResult>> CreateAsync(HttpContext http, CancellationToken cancellationToken)
    {
        IConversationHost host = Host(http);
        if (OwnerOf(http, host) is not { } owner)
        {
            return ChatProblems.Unauthenticated();
        }

        (CreateConversationRequest? body, ProblemHttpResult? invalid) = await ReadAsync(http.Request, ChatJsonContext.Default.CreateConversationRequest, host.Options, optional: false, cancellationToken).ConfigureAwait(false);
        if ((invalid ?? CheckMessage(body!.Message, host.Options)) is { } problem)
        {
            return problem;
        }

        if (CheckSettings(body!.Settings, host.Options, out Dictionary<string, string> settings) is { } settingsProblem)
        {
            return settingsProblem;
        }

        IConversationHandle? conversation = await host.CreateAsync(owner, settings, cancellationToken).ConfigureAwait(false);
        if (conversation is null)
        {
            return ChatProblems.Of(
                StatusCodes.Status429TooManyRequests,
                "too_many_conversations",
                "Too many conversations",
                $"An owner may have at most {host.Options.MaxConversationsPerOwner} conversations; delete one first.");
        }

        if (await StartTurnAsync(http, conversation, body.Message!, cancellationToken).ConfigureAwait(false) is { } lost)
        {
            if (lost.ProblemDetails.Status == StatusCodes.Status400BadRequest)
            {
                // A conversation whose first turn could not start would only hold an owner's place.
                await conversation.DeleteAsync(cancellationToken).ConfigureAwait(false);
            }

            return lost;
        }

        string location = $"{http.Request.PathBase}{http.Request.Path}/{Uri.EscapeDataString(conversation.Id)}";
        http.Response.Headers.Location = location;
        return TypedResults.Json(new ConversationCreatedResponse(conversation.Id, location + "/events"), ChatJsonContext.Default.ConversationCreatedResponse, statusCode: StatusCodes.Status201Created);
    }

    public async Task<Results<JsonHttpResult<ToolPipelineChatSnapshot>, ProblemHttpResult>> GetAsync(HttpContext http, string id, CancellationToken cancellationToken)
    {
        (IConversationHandle? conversation, ProblemHttpResult? problem) = await FindAsync(http, id, cancellationToken).ConfigureAwait(false);
        if (conversation is null)
        {
            return problem!;
        }

        ToolPipelineChatSnapshot? snapshot = await conversation.SnapshotAsync(cancellationToken).ConfigureAwait(false);
        return snapshot is null ? ChatProblems.ConversationNotFound(id) : TypedResults.Json(snapshot, ChatJsonContext.Default.ToolPipelineChatSnapshot);
    }

    public async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(HttpContext http, string id, CancellationToken cancellationToken)
    {
        (IConversationHandle? conversation, ProblemHttpResult? problem) = await FindAsync(http, id, cancellationToken).ConfigureAwait(false);
        if (conversation is null)
        {
            return problem!;
        }

        await conversation.DeleteAsync(cancellationToken).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    public async Task<Results<ServerSentEventsResult<string>, ProblemHttpResult>> EventsAsync(HttpContext http, string id, CancellationToken cancellationToken)
    {
        (IConversationHandle? conversation, ProblemHttpResult? problem) = await FindAsync(http, id, cancellationToken).ConfigureAwait(false);
        if (conversation is null)
        {
            return problem!;
        }

        string? lastEventId = http.Request.Headers["Last-Event-ID"].FirstOrDefault() ?? http.Request.Query["lastEventId"].FirstOrDefault();
        long? after = long.TryParse(lastEventId, NumberStyles.None, CultureInfo.InvariantCulture, out long n) ? n : null;
        IConversationHost host = Host(http);
        (ChatEventStream? stream, bool full) = await conversation.OpenEventsAsync(after, cancellationToken).ConfigureAwait(false);
        if (stream is null)
        {
            return full
                ? ChatProblems.Of(
                    StatusCodes.Status429TooManyRequests,
                    "too_many_streams",
                    "Too many streams",
                    $"The conversation serves at most {host.Options.MaxStreamsPerConversation} event streams at once; close one first.")
                : ChatProblems.ConversationNotFound(id);
        }

        // Whether or not the stream is ever read, the subscriber goes when the response does.
        http.Response.OnCompleted(() => stream.Close().AsTask());
        return TypedResults.ServerSentEvents(stream.Items);
    }

    public async Task<Results<JsonHttpResult<TurnStartedResponse>, ProblemHttpResult>> PostMessageAsync(HttpContext http, string id, CancellationToken cancellationToken)
    {
        (IConversationHandle? conversation, ProblemHttpResult? problem) = await FindAsync(http, id, cancellationToken).ConfigureAwait(false);
        if (conversation is null)
        {
            return problem!;
        }

        IConversationHost host = Host(http);
        (MessageRequest? body, ProblemHttpResult? invalid) = await ReadAsync(http.Request, ChatJsonContext.Default.MessageRequest, host.Options, optional: false, cancellationToken).ConfigureAwait(false);
        if ((invalid ?? CheckMessage(body!.Message, host.Options)) is { } bodyProblem)
        {
            return bodyProblem;
        }

        if (await StartTurnAsync(http, conversation, body!.Message!, cancellationToken).ConfigureAwait(false) is { } notStarted)
        {
            return notStarted;
        }

        return TypedResults.Json(new TurnStartedResponse(true), ChatJsonContext.Default.TurnStartedResponse, statusCode: StatusCodes.Status202Accepted);
    }

    public async Task<Results<JsonHttpResult<ControlResponse>, ProblemHttpResult>> CancelTurnAsync(HttpContext http, string id, CancellationToken cancellationToken)
    {
        (IConversationHandle? conversation, ProblemHttpResult? problem) = await FindAsync(http, id, cancellationToken).ConfigureAwait(false);
        if (conversation is null)
        {
            return problem!;
        }

        ToolControlOutcome outcome = await conversation.CancelTurnAsync(cancellationToken).ConfigureAwait(false);
        return outcome.Result == ToolControlResult.Applied ? Applied() : ChatProblems.Control(outcome.Result, string.Empty);
    }

    public async Task<Results<JsonHttpResult<ControlResponse>, ProblemHttpResult>> ControlAsync(HttpContext http, string id, string callId, ChatCallControl control, CancellationToken cancellationToken)
    {
        (IConversationHandle? conversation, ProblemHttpResult? problem) = await FindAsync(http, id, cancellationToken).ConfigureAwait(false);
        if (conversation is null)
        {
            return problem!;
        }

        string? reason = null;
        if (control == ChatCallControl.Deny)
        {
            ToolPipelineChatOptions options = Host(http).Options;
            (DenyRequest? body, ProblemHttpResult? invalid) = await ReadAsync(http.Request, ChatJsonContext.Default.DenyRequest, options, optional: true, cancellationToken).ConfigureAwait(false);
            if (invalid is not null)
            {
                return invalid;
            }

            reason = body?.Reason;
            if (reason is not null && reason.Length > options.MaxMessageLength)
            {
                return TooLong("reason", options.MaxMessageLength);
            }
        }

        ToolControlOutcome outcome = await conversation.ControlAsync(callId, control, reason, cancellationToken).ConfigureAwait(false);
        return outcome.Result == ToolControlResult.Applied ? Applied() : ChatProblems.Control(outcome.Result, callId);
    }

    public async Task<Results<JsonHttpResult<BranchCancelledResponse>, ProblemHttpResult>> CancelBranchAsync(HttpContext http, string id, string callId, CancellationToken cancellationToken)
    {
        (IConversationHandle? conversation, ProblemHttpResult? problem) = await FindAsync(http, id, cancellationToken).ConfigureAwait(false);
        if (conversation is null)
        {
            return problem!;
        }

        ToolControlOutcome outcome = await conversation.ControlAsync(callId, ChatCallControl.CancelBranch, null, cancellationToken).ConfigureAwait(false);
        return outcome.Result == ToolControlResult.Applied
            ? TypedResults.Json(new BranchCancelledResponse("applied", outcome.Cancelled), ChatJsonContext.Default.BranchCancelledResponse)
            : ChatProblems.Control(outcome.Result, callId);
    }

    // Starts a turn on the conversation; a problem if it did not start.
    private async Task<ProblemHttpResult?> StartTurnAsync(HttpContext http, IConversationHandle conversation, string message, CancellationToken cancellationToken)
    {
        ChatTurnStart start;
        try
        {
            start = await conversation.StartTurnAsync(message, http, pipelineFactory, cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException e)
        {
            // The factory refused what it was given (the conversation's settings): the caller's mistake, not the server's.
            return ChatProblems.Of(StatusCodes.Status400BadRequest, "invalid_settings", "Invalid settings", e.Message);
        }

        return start switch
        {
            ChatTurnStart.Started => null,
            ChatTurnStart.TurnRunning => ChatProblems.Of(StatusCodes.Status409Conflict, "turn_running", "Turn running", "A turn is running; send the next message when it has completed, or cancel it."),
            _ => ChatProblems.ConversationNotFound(conversation.Id),
        };
    }

    private static JsonHttpResult<ControlResponse> Applied() => TypedResults.Json(new ControlResponse("applied"), ChatJsonContext.Default.ControlResponse);

    /// <summary>
    /// Every route's filter: a conversation that cannot be reached just now (<see cref="IConversationHost.IsUnavailable"/>)
    /// is a 503 with <c>Retry-After: 1</c>, so a client tries again once the cluster has moved it.
    /// </summary>
    public static async ValueTask<object?> UnavailableAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context).ConfigureAwait(false);
        }
        catch (Exception e) when (!context.HttpContext.Response.HasStarted && Host(context.HttpContext).IsUnavailable(e))
        {
            context.HttpContext.Response.Headers.RetryAfter = "1";
            return ChatProblems.ConversationUnavailable();
        }
    }

    private static IConversationHost Host(HttpContext http) => http.RequestServices.GetRequiredService<IConversationHost>();

    private static string? OwnerOf(HttpContext http, IConversationHost host) => host.Options.OwnerOf(http) is { Length: > 0 } owner ? owner : null;

    private static async Task<(IConversationHandle? Conversation, ProblemHttpResult? Problem)> FindAsync(HttpContext http, string id, CancellationToken cancellationToken)
    {
        IConversationHost host = Host(http);
        if (OwnerOf(http, host) is not { } owner)
        {
            return (null, ChatProblems.Unauthenticated());
        }

        IConversationHandle? conversation = await host.FindAsync(id, owner, cancellationToken).ConfigureAwait(false);
        return conversation is null ? (null, ChatProblems.ConversationNotFound(id)) : (conversation, null);
    }

    private static ProblemHttpResult TooLong(string what, long max, string unit = "characters") =>
        ChatProblems.Of(StatusCodes.Status400BadRequest, "message_too_long", "Message too long", $"The {what} is longer than {max} {unit}.");

    private static ProblemHttpResult? CheckMessage(string? message, ToolPipelineChatOptions options) =>
        string.IsNullOrWhiteSpace(message) ? ChatProblems.InvalidBody("The body needs a non-empty string 'message'.")
        : message.Length > options.MaxMessageLength ? TooLong("message", options.MaxMessageLength)
        : null;

    private static ProblemHttpResult? CheckSettings(Dictionary<string, string?>? given, ToolPipelineChatOptions options, out Dictionary<string, string> settings)
    {
        settings = new Dictionary<string, string>(StringComparer.Ordinal);
        if (given is null)
        {
            return null;
        }

        string? error = given.Count > options.MaxSettings ? $"At most {options.MaxSettings} settings are allowed; {given.Count} were given." : null;
        foreach ((string name, string? value) in given)
        {
            error ??= name.Length == 0 ? "A setting has an empty name."
                : value is null ? $"The setting '{ChatEventMapper.Truncate(name, options.MaxSettingLength)}' has no string value."
                : name.Length > options.MaxSettingLength || value.Length > options.MaxSettingLength ? $"A setting's name or value is longer than {options.MaxSettingLength} characters."
                : null;
            settings[name] = value ?? string.Empty;
        }

        return error is null ? null : ChatProblems.Of(StatusCodes.Status400BadRequest, "invalid_settings", "Invalid settings", error);
    }

    private static async Task<(T? Body, ProblemHttpResult? Problem)> ReadAsync<T>(
        HttpRequest request, JsonTypeInfo<T> typeInfo, ToolPipelineChatOptions options, bool optional, CancellationToken cancellationToken)
        where T : class
    {
        if (optional && request.ContentLength is 0 or null && request.Headers.TransferEncoding.Count == 0)
        {
            return (null, null);
        }

        // A body larger than the largest valid one is refused before it is read, or as soon as reading passes the limit.
        long max = options.MaxRequestBodyBytes;
        ProblemHttpResult tooLarge = TooLong("request body", max, "bytes");
        if (request.ContentLength > max)
        {
            return (null, tooLarge);
        }

        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit && (limit.MaxRequestBodySize ?? long.MaxValue) > max)
        {
            limit.MaxRequestBodySize = max;
        }

        try
        {
            T? body = await JsonSerializer.DeserializeAsync(request.Body, typeInfo, cancellationToken).ConfigureAwait(false);
            return body is null ? (null, ChatProblems.InvalidBody("The body must be a JSON object.")) : (body, null);
        }
        catch (JsonException e)
        {
            return (null, ChatProblems.InvalidBody($"The body is not the JSON expected: {e.Message}"));
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, tooLarge);
        }
    }

    // Snapshot or replay first, then the subscriber's buffer; on the resync marker, lagged and a fresh snapshot.
    internal static async IAsyncEnumerable<SseItem<string>> StreamAsync(
        ConversationHub hub, ChatSubscription subscription, CancellationToken stopping, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // A stream lasts as long as the conversation: it ends when the client goes or the host stops.
        using var ends = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopping);
        cancellationToken = ends.Token;
        (ChatSubscriber subscriber, IReadOnlyList<SseItem<string>>? replay, ToolPipelineChatSnapshot? snapshot) = subscription;
        try
        {
            if (snapshot is not null)
            {
                yield return ConversationHub.ToItem(snapshot);
            }

            foreach (SseItem<string> item in replay ?? [])
            {
                yield return item;
            }

            while (await WaitAsync(subscriber, cancellationToken).ConfigureAwait(false))
            {
                while (subscriber.Reader.TryRead(out SseItem<string> item))
                {
                    if (ChatSubscriber.IsResyncMarker(item))
                    {
                        (LaggedEvent lagged, ToolPipelineChatSnapshot fresh) = hub.Resync(subscriber);
                        yield return ConversationHub.ToItem(lagged);
                        yield return ConversationHub.ToItem(fresh);
                    }
                    else
                    {
                        yield return item;
                    }
                }
            }
        }
        finally
        {
            hub.Unsubscribe(subscriber);
        }
    }

    // False when the client has gone (the request was aborted) or the conversation was deleted.
    private static async ValueTask<bool> WaitAsync(ChatSubscriber subscriber, CancellationToken cancellationToken)
    {
        try
        {
            return await subscriber.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
