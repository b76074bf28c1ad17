using System.Collections.Concurrent;

namespace ToolFlow.Providers.Anthropic.Tests;

/// <summary>A handler in the client's HTTP pipeline that records where each request goes.</summary>
public sealed class RecordingHandler : DelegatingHandler
{
    private readonly ConcurrentQueue<(Uri? Uri, HttpMethod Method)> _requests = new();

    /// <summary>Every request sent, in order.</summary>
    public IReadOnlyList<(Uri? Uri, HttpMethod Method)> Requests => [.. _requests];

    /// <inheritdoc/>
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        _requests.Enqueue((request.RequestUri, request.Method));
        return base.SendAsync(request, cancellationToken);
    }
}
