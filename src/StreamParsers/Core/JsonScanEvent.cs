namespace ToolFlow.StreamParsers;

/// <summary>Why <see cref="JsonBoundaryScanner.Scan"/> stopped before the end of its input, if it did.</summary>
/// <remarks>
/// "Member" events are only reported by a scanner built with <c>reportMembers</c>, and only for the members of
/// a top-level object (depth 1). For every event but <see cref="Error"/> and the end of a number, the character
/// that caused the event is consumed: it is the last character of the returned count.
/// </remarks>
internal enum JsonScanEvent : byte
{
    /// <summary>All input was consumed and nothing happened worth stopping for.</summary>
    None,

    /// <summary>
    /// The top-level value closed. Its last character is the last one consumed; for a number, the delimiter that
    /// ended it is left unconsumed.
    /// </summary>
    ValueCompleted,

    /// <summary>The opening quote of a member key was consumed.</summary>
    MemberKeyStart,

    /// <summary>The closing quote of a member key was consumed.</summary>
    MemberKeyEnd,

    /// <summary>The first character of a member value was consumed.</summary>
    MemberValueStart,

    /// <summary>
    /// The last character of a member value was consumed; for a number, the delimiter that ended it is left
    /// unconsumed.
    /// </summary>
    MemberValueEnd,

    /// <summary>
    /// The character just past the consumed ones is not valid JSON here, or opens a container deeper than
    /// allowed. It is not consumed. The scanner is lax from now on (see <see cref="JsonBoundaryScanner.Error"/>).
    /// </summary>
    Error,
}
