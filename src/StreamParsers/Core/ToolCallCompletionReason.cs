namespace ToolFlow.StreamParsers;

/// <summary>What told a parser that a call was complete.</summary>
public enum ToolCallCompletionReason
{
    /// <summary>The arguments JSON value closed.</summary>
    JsonClosed,

    /// <summary>The format's end marker for the call was read.</summary>
    EndMarker,

    /// <summary>The next call began.</summary>
    NextCall,

    /// <summary>The provider said the response stopped.</summary>
    ProviderStop,

    /// <summary>The input ended.</summary>
    EndOfStream,
}
