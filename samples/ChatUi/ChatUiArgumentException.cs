namespace ToolFlow.Samples.ChatUi;

/// <summary>The chat app's command line or options are not valid; the message says what to change.</summary>
public sealed class ChatUiArgumentException : Exception
{
    /// <summary>Initializes the exception.</summary>
    public ChatUiArgumentException()
    {
    }

    /// <summary>Initializes the exception with its message.</summary>
    /// <param name="message">What is wrong.</param>
    public ChatUiArgumentException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes the exception with its message and cause.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="innerException">The cause.</param>
    public ChatUiArgumentException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
