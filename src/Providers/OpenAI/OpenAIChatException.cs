namespace ToolFlow.Providers.OpenAI;

/// <summary>
/// A chat-completions request failed: the server answered with an HTTP error, could not be reached, broke off the
/// response, sent an event that is not valid JSON, reported an error in the stream, or ended the stream early.
/// <see cref="OpenAIChatClient"/> throws it from the stream, so a pipeline reports it as the turn's
/// <see cref="ToolFlow.Blocks.ModelStreamEnded.Error"/>.
/// </summary>
public sealed class OpenAIChatException : Exception
{
    /// <summary>Initializes an exception with a default message.</summary>
    public OpenAIChatException()
        : this("The chat-completions request failed.")
    {
    }

    /// <summary>Initializes an exception with a message.</summary>
    /// <param name="message">The message.</param>
    public OpenAIChatException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes an exception with a message and its cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">What the SDK or the network reported.</param>
    public OpenAIChatException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes an exception that describes a failed request.</summary>
    /// <param name="message">The message.</param>
    /// <param name="statusCode">The HTTP status the server answered with, when it answered with an error.</param>
    /// <param name="updatesReceived">How many updates of the response arrived before the failure.</param>
    /// <param name="innerException">What the SDK or the network reported.</param>
    public OpenAIChatException(string message, int? statusCode, int updatesReceived, Exception? innerException)
        : base(message, innerException)
    {
        StatusCode = statusCode;
        UpdatesReceived = updatesReceived;
    }

    /// <summary>The HTTP status the server answered with, when it answered with an error status.</summary>
    public int? StatusCode { get; }

    /// <summary>How many updates of the response arrived before the failure: 0 when it failed before streaming.</summary>
    public int UpdatesReceived { get; }
}
