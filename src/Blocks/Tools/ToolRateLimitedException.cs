using System.Net;

namespace ToolFlow.Blocks;

/// <summary>
/// Thrown by a tool to say its service is overloaded or rate limited (an HTTP 429 or 503): the tool's adaptive limit
/// falls, no call of the tool starts until <see cref="RetryAfter"/> has passed, and the call runs again then if its
/// tool is safe to repeat (up to <see cref="ToolDescriptor.MaxRateLimitRetries"/> times), else it fails as
/// <see cref="ToolCallFailureKind.RateLimited"/>.
/// </summary>
/// <remarks>
/// An <see cref="HttpRequestException"/> with <see cref="HttpRequestException.StatusCode"/> 429 or 503 reads the same
/// way; it carries no headers, so its wait is <see cref="DefaultRetryAfter"/> unless its <see cref="Exception.Data"/>
/// holds a <see cref="TimeSpan"/> under <see cref="RetryAfterDataKey"/>. A tool that can read the response's
/// <c>Retry-After</c> header should throw this exception with it instead.
/// </remarks>
public sealed class ToolRateLimitedException : Exception
{
    /// <summary>The wait when a rate limit names none: 1 second.</summary>
    public static readonly TimeSpan DefaultRetryAfter = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait honoured: 5 minutes. A call told to wait longer fails at once; the tool pauses this long.</summary>
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromMinutes(5);

    /// <summary>The <see cref="Exception.Data"/> key under which an <see cref="HttpRequestException"/> may carry its wait.</summary>
    public const string RetryAfterDataKey = "Retry-After";

    /// <summary>Initializes the exception.</summary>
    public ToolRateLimitedException()
        : this(null, null)
    {
    }

    /// <summary>Initializes the exception with a message.</summary>
    /// <param name="message">What the service said.</param>
    public ToolRateLimitedException(string? message)
        : this(null, message)
    {
    }

    /// <summary>Initializes the exception with a message and the exception behind it.</summary>
    /// <param name="message">What the service said.</param>
    /// <param name="innerException">The exception behind it.</param>
    public ToolRateLimitedException(string? message, Exception? innerException)
        : base(message ?? "The service is rate limited.", innerException)
    {
    }

    /// <summary>Initializes the exception with the service's wait.</summary>
    /// <param name="retryAfter">How long to wait before calling again (the <c>Retry-After</c> header); <see langword="null"/> for <see cref="DefaultRetryAfter"/>.</param>
    /// <param name="message">What the service said.</param>
    /// <param name="innerException">The exception behind it.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="retryAfter"/> is negative.</exception>
    public ToolRateLimitedException(TimeSpan? retryAfter, string? message = null, Exception? innerException = null)
        : base(message ?? "The service is rate limited.", innerException)
    {
        if (retryAfter is { } wait)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(wait, TimeSpan.Zero, nameof(retryAfter));
        }

        RetryAfter = retryAfter;
    }

    /// <summary>How long the service asked to wait; <see langword="null"/> when it did not say.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>Whether an exception is a rate limit, and the wait it names.</summary>
    /// <param name="exception">What a tool threw.</param>
    /// <param name="retryAfter">The wait it names, or <see langword="null"/>.</param>
    /// <returns>Whether it is a <see cref="ToolRateLimitedException"/>, or an <see cref="HttpRequestException"/> with status 429 or 503.</returns>
    public static bool IsRateLimit(Exception exception, out TimeSpan? retryAfter)
    {
        ArgumentNullException.ThrowIfNull(exception);
        switch (exception)
        {
            case ToolRateLimitedException limited:
                retryAfter = limited.RetryAfter;
                return true;
            case HttpRequestException { StatusCode: HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable } http:
                retryAfter = http.Data[RetryAfterDataKey] is TimeSpan wait && wait >= TimeSpan.Zero ? wait : null;
                return true;
            default:
                retryAfter = null;
                return false;
        }
    }
}
