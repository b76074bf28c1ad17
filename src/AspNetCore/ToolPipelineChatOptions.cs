using System.Security.Claims;
using Microsoft.AspNetCore.Http;

namespace ToolFlow.AspNetCore;

/// <summary>
/// Settings of the chat endpoints of <see cref="ToolPipelineChatEndpointRouteBuilderExtensions.MapToolPipelineChat"/>:
/// who owns a conversation and every limit that keeps the server bounded. Setters validate; the endpoints read the
/// options once, when the first request arrives.
/// </summary>
public sealed class ToolPipelineChatOptions
{
    /// <summary>
    /// Names the owner of a request: a conversation is visible only to the owner that created it. The default is the
    /// user's <see cref="ClaimTypes.NameIdentifier"/> claim, else its identity's name, for an authenticated user. A
    /// request whose owner is <see langword="null"/> or empty is refused with 401 <c>unauthenticated</c>.
    /// </summary>
    public Func<HttpContext, string?> OwnerOf
    {
        get;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            field = value;
        }
    } = DefaultOwnerOf;

    /// <summary>
    /// Events buffered for one SSE client (default 512). A client that falls this far behind loses its buffered
    /// events and is sent <c>lagged</c> and a fresh snapshot when it reads again. At least 1.
    /// </summary>
    public int ClientBufferCapacity
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            field = value;
        }
    } = 512;

    /// <summary>Events kept per conversation for Last-Event-ID replay (default 4096); older ids resync from a snapshot. At least 1.</summary>
    public int ReplayCapacity
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            field = value;
        }
    } = 4096;

    /// <summary>The longest user message, in UTF-16 characters (default 32 768); longer is 400 <c>message_too_long</c>. At least 1.</summary>
    public int MaxMessageLength
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            field = value;
        }
    } = 32_768;

    /// <summary>The most settings a conversation may be created with (default 16); more is 400 <c>invalid_settings</c>. At least 0.</summary>
    public int MaxSettings
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            field = value;
        }
    } = 16;

    /// <summary>The longest setting name or value, in characters (default 256); longer is 400 <c>invalid_settings</c>. At least 1.</summary>
    public int MaxSettingLength
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            field = value;
        }
    } = 256;

    /// <summary>The most conversations one owner may have in the store (default 100); one more is 429 <c>too_many_conversations</c>. At least 1.</summary>
    public int MaxConversationsPerOwner
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            field = value;
        }
    } = 100;

    /// <summary>
    /// The most SSE streams one conversation serves at once (default 32); one more is 429 <c>too_many_streams</c>. Each
    /// stream holds at most <see cref="ClientBufferCapacity"/> events. At least 1.
    /// </summary>
    public int MaxStreamsPerConversation
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            field = value;
        }
    } = 32;

    /// <summary>
    /// The largest request body read, in bytes: what the longest message and the most and longest settings take even
    /// with every character escaped (6 bytes each), plus 4 KiB for the rest. A larger body is 400
    /// <c>message_too_long</c> and is not read. It follows <see cref="MaxMessageLength"/>, <see cref="MaxSettings"/>
    /// and <see cref="MaxSettingLength"/>.
    /// </summary>
    public long MaxRequestBodyBytes => (6L * MaxMessageLength) + (12L * MaxSettings * MaxSettingLength) + 4096;

    /// <summary>The longest result preview of a completed call sent to clients, in characters (default 500). At least 0.</summary>
    public int ResultPreviewLength
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            field = value;
        }
    } = 500;

    /// <summary>The clock of conversation creation times and of the events the endpoints add (user messages); the pipeline's own events keep the pipeline's clock.</summary>
    public TimeProvider TimeProvider
    {
        get;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            field = value;
        }
    } = TimeProvider.System;

    private static string? DefaultOwnerOf(HttpContext context)
    {
        ClaimsPrincipal user = context.User;
        if (user.Identity?.IsAuthenticated != true)
        {
            return null;
        }

        return user.FindFirst(ClaimTypes.NameIdentifier)?.Value ?? user.Identity.Name;
    }
}
