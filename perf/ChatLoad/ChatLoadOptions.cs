namespace ToolFlow.ChatLoad;

/// <summary>What one load run does: how many conversations, in how many waves, how many stall, and how fast the model and tools are.</summary>
public sealed class ChatLoadOptions
{
    /// <summary>Concurrent conversations per wave. Default 200.</summary>
    public int Conversations { get; set; } = 200;

    /// <summary>Waves of <see cref="Conversations"/> where every client reads, one after another, to show memory over time. Default 5.</summary>
    public int Waves { get; set; } = 5;

    /// <summary>Clients of the last wave that stop reading mid-stream while the others are measured. Default 20.</summary>
    public int Stalled { get; set; } = 20;

    /// <summary>User messages per conversation: the first creates it, each next one is sent when the previous run completes. Default 2.</summary>
    public int MessagesPerConversation { get; set; } = 2;

    /// <summary>How long each tool call takes, on the real clock. Default 100 ms.</summary>
    public TimeSpan ToolDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The scripted model's time to first token. Default 20 ms.</summary>
    public TimeSpan TimeToFirstToken { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>The scripted model's decode speed. Default 200 tokens per second.</summary>
    public double TokensPerSecond { get; set; } = 200;

    /// <summary>
    /// Words in the answer of a stalled client's conversation: enough events to fill its buffer and what the sockets
    /// hold, so it must fall behind. Default 1,200.
    /// </summary>
    public int StalledAnswerWords { get; set; } = 1_200;

    /// <summary>The decode speed of a stalled client's conversation, so its long answer takes little time. Default 500 tokens per second.</summary>
    public double StalledTokensPerSecond { get; set; } = 500;

    /// <summary>Events buffered per SSE client on the server (the library's <c>ClientBufferCapacity</c>). Default 512, the library's.</summary>
    public int ClientBufferCapacity { get; set; } = 512;

    /// <summary>
    /// Kestrel's response buffer per connection in bytes (its <c>MaxResponseBufferSize</c>, 64 KiB by default): with the
    /// socket buffers below, what a stalled client's connection holds before the library's buffer fills. Default 16 KiB.
    /// </summary>
    public int ServerResponseBufferSize { get; set; } = 16 * 1024;

    /// <summary>
    /// The server sockets' send buffer in bytes (0 for the kernel's autotuning, which on loopback holds megabytes): a
    /// fixed size makes a stalled client's backlog reach the server's bounded buffer instead of kernel memory. Default 8 KiB.
    /// </summary>
    public int ServerSendBufferSize { get; set; } = 8 * 1024;

    /// <summary>The clients' socket receive buffer in bytes (0 for the kernel's autotuning). Default 16 KiB.</summary>
    public int ClientReceiveBufferSize { get; set; } = 16 * 1024;

    /// <summary>The whole run's deadline. Default 100 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>Throws if a setting is out of range, naming it.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Conversations, 1, nameof(Conversations));
        ArgumentOutOfRangeException.ThrowIfLessThan(Waves, 0, nameof(Waves));
        ArgumentOutOfRangeException.ThrowIfLessThan(Stalled, 0, nameof(Stalled));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Stalled, Conversations, nameof(Stalled));
        ArgumentOutOfRangeException.ThrowIfLessThan(MessagesPerConversation, 1, nameof(MessagesPerConversation));
        ArgumentOutOfRangeException.ThrowIfLessThan(ToolDelay, TimeSpan.Zero, nameof(ToolDelay));
        ArgumentOutOfRangeException.ThrowIfLessThan(TimeToFirstToken, TimeSpan.Zero, nameof(TimeToFirstToken));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(TokensPerSecond, nameof(TokensPerSecond));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(StalledTokensPerSecond, nameof(StalledTokensPerSecond));
        ArgumentOutOfRangeException.ThrowIfLessThan(StalledAnswerWords, 1, nameof(StalledAnswerWords));
        ArgumentOutOfRangeException.ThrowIfLessThan(ClientBufferCapacity, 1, nameof(ClientBufferCapacity));
        ArgumentOutOfRangeException.ThrowIfLessThan(ServerResponseBufferSize, 1, nameof(ServerResponseBufferSize));
        ArgumentOutOfRangeException.ThrowIfNegative(ServerSendBufferSize, nameof(ServerSendBufferSize));
        ArgumentOutOfRangeException.ThrowIfNegative(ClientReceiveBufferSize, nameof(ClientReceiveBufferSize));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Timeout, TimeSpan.Zero, nameof(Timeout));
    }
}
