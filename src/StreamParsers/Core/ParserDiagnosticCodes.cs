namespace ToolFlow.StreamParsers;

/// <summary>The <see cref="ParserDiagnostic.Code"/> values the parsers in this library report.</summary>
public static class ParserDiagnosticCodes
{
    /// <summary>A call's arguments are not valid JSON.</summary>
    public const string ArgumentsInvalidJson = "arguments-invalid-json";

    /// <summary>A call's arguments are valid JSON but not an object.</summary>
    public const string ArgumentsNotObject = "arguments-not-object";

    /// <summary>A call's arguments are longer than <see cref="ToolCallParserOptions.MaxArgumentsLength"/>; the call is aborted.</summary>
    public const string ArgumentsTooLong = "arguments-too-long";

    /// <summary>A call's arguments nest deeper than <see cref="ToolCallParserOptions.MaxDepth"/>; the call is aborted.</summary>
    public const string ArgumentsTooDeep = "arguments-too-deep";

    /// <summary>The input ended before a call's arguments closed; the call is aborted.</summary>
    public const string ArgumentsUnclosed = "arguments-unclosed";

    /// <summary>More argument text came after a call's arguments closed; it is ignored.</summary>
    public const string ArgumentsTrailingText = "arguments-trailing-text";

    /// <summary>A response holds more calls than <see cref="ToolCallParserOptions.MaxCallsPerResponse"/>; the extra ones are dropped.</summary>
    public const string TooManyCalls = "too-many-calls";

    /// <summary>A call has no tool name (missing, empty or not a string).</summary>
    public const string CallMissingName = "call-missing-name";

    /// <summary>A later fragment of a call named a different tool; the first name is kept.</summary>
    public const string CallNameConflict = "call-name-conflict";

    /// <summary>A call's start marker is not followed by a JSON object; the text is kept as text.</summary>
    public const string CallMissingJson = "call-missing-json";

    /// <summary>A call's JSON is malformed; unless the call had already completed, its text is kept as text.</summary>
    public const string CallInvalidJson = "call-invalid-json";

    /// <summary>The input ended inside a call.</summary>
    public const string CallUnterminated = "call-unterminated";

    /// <summary>A call's JSON is not followed by the format's end marker.</summary>
    public const string CallEndMarkerMissing = "call-end-marker-missing";
}
