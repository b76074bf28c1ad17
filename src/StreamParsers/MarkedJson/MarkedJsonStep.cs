namespace ToolFlow.StreamParsers;

/// <summary>What a <see cref="MarkedJsonStep"/> does.</summary>
internal enum MarkedJsonStepKind : byte
{
    /// <summary>Skips optional whitespace.</summary>
    Whitespace,

    /// <summary>Matches one of <see cref="MarkedJsonStep.Literals"/> and goes to its target, or to <see cref="MarkedJsonStep.Else"/> when none begins here.</summary>
    Choice,

    /// <summary>Reads characters of <see cref="MarkedJsonStep.Chars"/> into a capture until one of <see cref="MarkedJsonStep.Literals"/>.</summary>
    Capture,

    /// <summary>Streams text or reasoning until one of <see cref="MarkedJsonStep.Literals"/>, which is dropped.</summary>
    TextUntil,

    /// <summary>Reads a JSON body of <see cref="MarkedJsonStep.Body"/> kind, reporting the calls in it.</summary>
    Body,

    /// <summary>Reads XML-like parameters up to the call's closing literal, typing values from the tool schema.</summary>
    XmlParameters,

    /// <summary>
    /// Reads raw text up to one of <see cref="MarkedJsonStep.Literals"/> or the end of the response as the one
    /// argument <see cref="MarkedJsonStep.Parameter"/> (Functionary's python code).
    /// </summary>
    RawArgument,

    /// <summary>Decides where to go from the block read so far, with <see cref="MarkedJsonStep.Dispatch"/>.</summary>
    Dispatch,

    /// <summary>Marks everything read so far as consumed markup: a later failure no longer surfaces it.</summary>
    Commit,

    /// <summary>Goes to <see cref="MarkedJsonStep.Else"/>.</summary>
    Jump,

    /// <summary>Reports <see cref="MarkedJsonStep.Message"/> as a diagnostic, then goes to the next step.</summary>
    Note,
}

/// <summary>The JSON body a <see cref="MarkedJsonStepKind.Body"/> step reads.</summary>
internal enum MarkedJsonBodyKind : byte
{
    /// <summary>An object <c>{"name": ..., "arguments": {...}}</c> (also <c>tool_name</c>, <c>parameters</c>, <c>id</c>, <c>tool_call_id</c>).</summary>
    Envelope,

    /// <summary>An array of envelopes.</summary>
    EnvelopeArray,

    /// <summary>An array of objects <c>{"NAME": {arguments}}</c>.</summary>
    NameKeyedArray,

    /// <summary>The arguments object itself; the name came before it.</summary>
    Arguments,
}

/// <summary>Where a <see cref="MarkedJsonStepKind.Capture"/> step puts what it read.</summary>
internal enum MarkedJsonCaptureKind : byte
{
    /// <summary>Nowhere: the text stays in the block for a later <see cref="MarkedJsonStepKind.Dispatch"/>.</summary>
    None,

    /// <summary>The tool name.</summary>
    Name,

    /// <summary>The call id.</summary>
    Id,

    /// <summary>The call id, trimmed; the name is the id without a <c>functions.</c> prefix and a <c>:N</c> suffix (Kimi K2).</summary>
    QualifiedId,

    /// <summary>An XML parameter's name.</summary>
    Parameter,
}

/// <summary>Which characters a capture may hold.</summary>
internal enum MarkedJsonCharClass : byte
{
    /// <summary>Letters, digits and <c>_ - . : /</c>.</summary>
    Identifier,

    /// <summary>Anything but a line break.</summary>
    Line,

    /// <summary>Anything.</summary>
    Any,
}

/// <summary>Decides a <see cref="MarkedJsonStepKind.Dispatch"/> step's target from the block read so far.</summary>
/// <param name="block">The block, from its start marker.</param>
/// <param name="name">The tool name, when the target reads a call's arguments.</param>
/// <returns>The index into the step's <see cref="MarkedJsonStep.Targets"/>.</returns>
internal delegate int MarkedJsonDispatch(ReadOnlySpan<char> block, out string? name);

/// <summary>One step of a <see cref="MarkedJsonGrammar"/> program.</summary>
internal sealed class MarkedJsonStep
{
    public MarkedJsonStepKind Kind { get; init; }

    /// <summary>Choice, Capture and TextUntil: the literals, with <see cref="Targets"/> by index.</summary>
    public MarkedLiteralSet? Literals { get; init; }

    /// <summary>The step to go to per literal (Choice, Capture, TextUntil) or per dispatch result.</summary>
    public int[] Targets { get; set; } = [];

    /// <summary>Choice: where to go when no literal begins here. Jump: the target. Others: the next step.</summary>
    public int Else { get; set; } = MarkedJsonGrammar.Fail;

    public MarkedJsonBodyKind Body { get; init; }

    /// <summary>Envelope bodies: the first member must be the name (bare JSON in text is only a call if it says so at once).</summary>
    public bool FirstKeyIsName { get; init; }

    /// <summary>Envelope bodies: an envelope without arguments is not a call.</summary>
    public bool RequireArguments { get; init; }

    public MarkedJsonCaptureKind Capture { get; init; }

    public MarkedJsonCharClass Chars { get; init; }

    /// <summary>TextUntil: whether the text is reasoning.</summary>
    public bool IsReasoning { get; init; }

    public MarkedJsonDispatch? Dispatch { get; init; }

    /// <summary>RawArgument: the argument's name.</summary>
    public string? Parameter { get; init; }

    /// <summary>Note: the diagnostic's code and message.</summary>
    public string? Code { get; init; }

    public string? Message { get; init; }

    /// <summary>XmlParameters: the literal before a parameter's name, after it, closing its value, and closing the call.</summary>
    public MarkedJsonXmlSyntax? Xml { get; init; }
}

/// <summary>The literals of an XML-parameter call body.</summary>
internal sealed class MarkedJsonXmlSyntax
{
    /// <summary>Initializes the syntax.</summary>
    /// <param name="parameterStart">Before a parameter's name, for example <c>&lt;parameter name="</c>.</param>
    /// <param name="parameterNameEnd">After the name, for example <c>"&gt;</c>.</param>
    /// <param name="parameterEnd">After the value, for example <c>&lt;/parameter&gt;</c>.</param>
    /// <param name="callEnd">Closes the call, for example <c>&lt;/invoke&gt;</c>.</param>
    public MarkedJsonXmlSyntax(string parameterStart, string parameterNameEnd, string parameterEnd, string callEnd)
    {
        ParameterNameEnd = parameterNameEnd;
        ParameterEnd = parameterEnd;
        BetweenSet = new MarkedLiteralSet([parameterStart, callEnd]);
        NameEndSet = new MarkedLiteralSet([parameterNameEnd]);
        ValueSet = new MarkedLiteralSet([parameterEnd, "<![CDATA["]);
    }

    public string ParameterNameEnd { get; }

    public string ParameterEnd { get; }

    /// <summary>Between parameters: a parameter's start (0) or the call's end (1).</summary>
    public MarkedLiteralSet BetweenSet { get; }

    public MarkedLiteralSet NameEndSet { get; }

    /// <summary>Inside a value: its end (0) or a CDATA section's start (1).</summary>
    public MarkedLiteralSet ValueSet { get; }
}
