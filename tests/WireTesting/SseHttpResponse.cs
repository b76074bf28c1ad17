using System.Text;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;

namespace ToolFlow.WireTesting;

/// <summary>
/// A streamed chat-completions answer: HTTP 200 with <c>text/event-stream</c>, then steps that write and flush a
/// piece of the body, wait for a task, or abort the connection. A stepped response writes each step only when the
/// test releases it with <see cref="SendNextAsync"/>, which returns once the step is written and flushed: the test
/// knows exactly how much of the body the client can have.
/// </summary>
public sealed class SseHttpResponse : ScriptedHttpResponse
{
    private readonly List<Step> _steps = [];
    private readonly SemaphoreSlim? _release;
    private readonly Channel<int> _written = Channel.CreateUnbounded<int>();
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _sent;

    /// <summary>Initializes a response.</summary>
    /// <param name="stepped">Whether each step waits for <see cref="SendNextAsync"/>.</param>
    public SseHttpResponse(bool stepped = false)
    {
        _release = stepped ? new SemaphoreSlim(0) : null;
    }

    private enum StepKind
    {
        Write,
        Wait,
        Abort,
    }

    /// <summary>How many steps the response has.</summary>
    public int StepCount => _steps.Count;

    /// <summary>How many steps are written (and flushed) so far.</summary>
    public int Sent => Volatile.Read(ref _sent);

    /// <summary>Whether the response is over: the whole body sent, or the connection aborted or lost.</summary>
    public bool HasEnded => _ended.Task.IsCompleted;

    /// <summary>Completes when the response is over.</summary>
    public Task Ended => _ended.Task;

    /// <summary>A response that replays a recorded SSE body, one step per event (or per piece of an event).</summary>
    /// <param name="body">The body, events separated by blank lines.</param>
    /// <param name="pieceSize">Flush each event in pieces of this many characters, or <see langword="null"/> for whole events.</param>
    /// <param name="stepped">Whether each step waits for <see cref="SendNextAsync"/>.</param>
    /// <returns>The response.</returns>
    public static SseHttpResponse Replay(string body, int? pieceSize = null, bool stepped = false)
    {
        var response = new SseHttpResponse(stepped);
        foreach (string sseEvent in SplitEvents(body))
        {
            if (pieceSize is int size)
            {
                for (int i = 0; i < sseEvent.Length; i += size)
                {
                    response.Raw(sseEvent.Substring(i, Math.Min(size, sseEvent.Length - i)));
                }
            }
            else
            {
                response.Raw(sseEvent);
            }
        }

        return response;
    }

    /// <summary>A response of chunks, then <c>data: [DONE]</c>.</summary>
    /// <param name="chunks">The chunks' JSON.</param>
    /// <returns>The response.</returns>
    public static SseHttpResponse Of(params string[] chunks)
    {
        var response = new SseHttpResponse();
        foreach (string chunk in chunks)
        {
            response.Event(chunk);
        }

        return response.Done();
    }

    /// <summary>The events of an SSE body, each with its terminating blank line.</summary>
    /// <param name="body">The body.</param>
    /// <returns>The events.</returns>
    public static IEnumerable<string> SplitEvents(string body) =>
        body.Replace("\r\n", "\n", StringComparison.Ordinal)
            .Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Where(e => e.Trim().Length > 0)
            .Select(e => e.Trim('\n') + "\n\n");

    /// <summary>Adds an event <c>data: JSON</c>.</summary>
    /// <param name="json">The chunk.</param>
    /// <returns>This response.</returns>
    public SseHttpResponse Event(string json) => Raw($"data: {json}\n\n");

    /// <summary>Adds the terminating <c>data: [DONE]</c>.</summary>
    /// <returns>This response.</returns>
    public SseHttpResponse Done() => Raw("data: [DONE]\n\n");

    /// <summary>Adds text written as it is, then flushed.</summary>
    /// <param name="text">The text.</param>
    /// <returns>This response.</returns>
    public SseHttpResponse Raw(string text)
    {
        _steps.Add(new Step(StepKind.Write, text, null));
        return this;
    }

    /// <summary>Adds texts, each written as it is, then flushed.</summary>
    /// <param name="texts">The texts, in order.</param>
    /// <returns>This response.</returns>
    public SseHttpResponse Raw(IEnumerable<string> texts)
    {
        foreach (string text in texts)
        {
            Raw(text);
        }

        return this;
    }

    /// <summary>Adds a wait: the server holds the rest of the body until <paramref name="gate"/> completes.</summary>
    /// <param name="gate">What to wait for.</param>
    /// <returns>This response.</returns>
    public SseHttpResponse WaitFor(Task gate)
    {
        _steps.Add(new Step(StepKind.Wait, null, gate));
        return this;
    }

    /// <summary>Adds an abort: the server resets the connection mid-response.</summary>
    /// <returns>This response.</returns>
    public SseHttpResponse Abort()
    {
        _steps.Add(new Step(StepKind.Abort, null, null));
        return this;
    }

    /// <summary>Releases the next step of a stepped response and waits until it is written and flushed.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes once the step is on the wire.</returns>
    public async Task SendNextAsync(CancellationToken cancellationToken)
    {
        if (_release is null)
        {
            throw new InvalidOperationException("Only a stepped response is sent step by step.");
        }

        _release.Release();
        await _written.Reader.ReadAsync(cancellationToken);
    }

    /// <summary>Releases steps until <see cref="Sent"/> reaches <paramref name="count"/>.</summary>
    /// <param name="count">How many steps should be on the wire.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes once they are.</returns>
    public async Task SendUntilAsync(int count, CancellationToken cancellationToken)
    {
        while (Sent < count)
        {
            await SendNextAsync(cancellationToken);
        }
    }

    /// <summary>Releases every remaining step.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes once the body is sent.</returns>
    public Task SendRestAsync(CancellationToken cancellationToken) => SendUntilAsync(StepCount, cancellationToken);

    protected override async Task WriteCoreAsync(HttpContext context, CancellationToken cancellationToken)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        await context.Response.StartAsync(cancellationToken);
        await context.Response.Body.FlushAsync(cancellationToken);

        for (int i = 0; i < _steps.Count; i++)
        {
            if (_release is not null)
            {
                await _release.WaitAsync(cancellationToken);
            }

            Step step = _steps[i];
            switch (step.Kind)
            {
                case StepKind.Write:
                    await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(step.Text!), cancellationToken);
                    await context.Response.Body.FlushAsync(cancellationToken);
                    break;
                case StepKind.Wait:
                    await step.Gate!.WaitAsync(cancellationToken);
                    break;
                case StepKind.Abort:
                    context.Abort();
                    Interlocked.Increment(ref _sent);
                    _written.Writer.TryWrite(i);
                    return;
            }

            Interlocked.Increment(ref _sent);
            _written.Writer.TryWrite(i);
        }

        await context.Response.CompleteAsync();
    }

    protected override void OnEnded() => _ended.TrySetResult();

    private sealed record Step(StepKind Kind, string? Text, Task? Gate);
}
