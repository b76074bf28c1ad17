namespace ToolFlow.ChatLoad;

/// <summary>What an SSE client of the load does with its stream.</summary>
public enum ClientRole
{
    /// <summary>Reads every event and sends the conversation's next message when a run completes.</summary>
    Reader,

    /// <summary>Reads until the first tool starts, then reads nothing (keeping the connection) until told to resume.</summary>
    Stalled,

    /// <summary>A second reader of a stalled client's conversation: sends its next messages and says when it is over.</summary>
    Witness,
}
