namespace ToolFlow.StreamParsers;

/// <summary>The first problem a <see cref="JsonBoundaryScanner"/> met.</summary>
internal enum JsonScanError : byte
{
    /// <summary>No problem so far.</summary>
    None,

    /// <summary>A character that is not valid JSON where it stands.</summary>
    Syntax,

    /// <summary>An object or array nested deeper than the scanner's limit.</summary>
    TooDeep,
}
