namespace ToolFlow.StreamParsers;

/// <summary>
/// The markup of one "block, invoke, parameter" format, read by <see cref="XmlFunctionCallReader"/>: a block of
/// calls, each an element named by an attribute, holding one element per parameter.
/// </summary>
internal sealed class XmlFunctionDialect
{
    /// <summary>Qwen3-Coder, Qwen3.5, Nemotron 3 Nano: <c>&lt;tool_call&gt;&lt;function=NAME&gt;&lt;parameter=KEY&gt;\nV\n&lt;/parameter&gt;&lt;/function&gt;&lt;/tool_call&gt;</c>.</summary>
    public static XmlFunctionDialect Qwen3Coder { get; } = new()
    {
        BlockOpen = "<tool_call>",
        BlockClose = "</tool_call>",
        InvokeOpen = "<function=",
        InvokeClose = "</function>",
        ParameterOpen = "<parameter=",
        ParameterClose = "</parameter>",
        InvokeWithoutBlock = true,
        StripValueNewlines = true,
        Reasoning = new("<think>", "</think>", MayOpenInPrompt: true),
    };

    /// <summary>vLLM's <c>qwen3_xml</c>: the Qwen3-Coder markup, from models that do not think.</summary>
    public static XmlFunctionDialect Qwen3Xml { get; } = new()
    {
        BlockOpen = "<tool_call>",
        BlockClose = "</tool_call>",
        InvokeOpen = "<function=",
        InvokeClose = "</function>",
        ParameterOpen = "<parameter=",
        ParameterClose = "</parameter>",
        InvokeWithoutBlock = true,
        StripValueNewlines = true,
        Reasoning = new("<think>", "</think>", MayOpenInPrompt: false),
    };

    /// <summary>ByteDance Seed-OSS: <c>&lt;seed:tool_call&gt;&lt;function=NAME&gt;&lt;parameter=KEY&gt;V&lt;/parameter&gt;…</c>, values as written.</summary>
    /// <remarks>
    /// Its <c>&lt;seed:think&gt;</c> block is reported as text, markers included, as the engines' tool parsers leave
    /// it; calls written inside it are not read.
    /// </remarks>
    public static XmlFunctionDialect SeedOss { get; } = new()
    {
        BlockOpen = "<seed:tool_call>",
        BlockClose = "</seed:tool_call>",
        InvokeOpen = "<function=",
        InvokeClose = "</function>",
        ParameterOpen = "<parameter=",
        ParameterClose = "</parameter>",
        Reasoning = new("<seed:think>", "</seed:think>", MayOpenInPrompt: false, KeepAsText: true),
    };

    /// <summary>MiniMax-M2: <c>&lt;minimax:tool_call&gt;&lt;invoke name="NAME"&gt;&lt;parameter name="KEY"&gt;V&lt;/parameter&gt;&lt;/invoke&gt;…</c>.</summary>
    public static XmlFunctionDialect MiniMaxM2 { get; } = new()
    {
        BlockOpen = "<minimax:tool_call>",
        BlockClose = "</minimax:tool_call>",
        InvokeOpen = "<invoke name=",
        InvokeClose = "</invoke>",
        ParameterOpen = "<parameter name=",
        ParameterClose = "</parameter>",
        StripValueNewlines = true,
        Reasoning = new("<think>", "</think>", MayOpenInPrompt: true),
    };

    /// <summary>DeepSeek V3.2: <c>&lt;｜DSML｜function_calls&gt;&lt;｜DSML｜invoke name="NAME"&gt;&lt;｜DSML｜parameter name="KEY" string="true|false"&gt;V…</c>.</summary>
    public static XmlFunctionDialect DeepSeekV32 { get; } = Dsml("function_calls");

    /// <summary>DeepSeek V4: as V3.2, in a <c>&lt;｜DSML｜tool_calls&gt;</c> block.</summary>
    public static XmlFunctionDialect DeepSeekV4 { get; } = Dsml("tool_calls");

    /// <summary>The marker that opens a block of calls.</summary>
    public required string BlockOpen { get; init; }

    /// <summary>The marker that closes a block of calls.</summary>
    public required string BlockClose { get; init; }

    /// <summary>The start of a call's opening tag, up to its attributes (<c>&lt;function=</c>, <c>&lt;invoke name=</c>).</summary>
    public required string InvokeOpen { get; init; }

    /// <summary>The call's closing tag.</summary>
    public required string InvokeClose { get; init; }

    /// <summary>The start of a parameter's opening tag, up to its attributes.</summary>
    public required string ParameterOpen { get; init; }

    /// <summary>The parameter's closing tag.</summary>
    public required string ParameterClose { get; init; }

    /// <summary>
    /// Whether the opening tags carry named attributes (<c> name="X" string="true"</c>) rather than the name alone
    /// (<c>NAME</c> or <c>"NAME"</c>).
    /// </summary>
    public bool NamedAttributes { get; init; }

    /// <summary>Whether a call may open without the block marker (Qwen3-Coder templates put it in the prompt).</summary>
    public bool InvokeWithoutBlock { get; init; }

    /// <summary>Whether one newline just inside a parameter's tags is layout, not value.</summary>
    public bool StripValueNewlines { get; init; }

    /// <summary>Whether a call may be one self-closing tag (<c>&lt;invoke name="X"/&gt;</c>).</summary>
    public bool SelfClosingInvoke { get; init; }

    /// <summary>Whether a call's body may be a JSON object instead of parameter elements.</summary>
    public bool JsonBody { get; init; }

    /// <summary>How the format marks reasoning.</summary>
    public XmlParameterCallReader.ReasoningSyntax? Reasoning { get; init; }

    private static XmlFunctionDialect Dsml(string block) => new()
    {
        BlockOpen = $"<｜DSML｜{block}>",
        BlockClose = $"</｜DSML｜{block}>",
        InvokeOpen = "<｜DSML｜invoke",
        InvokeClose = "</｜DSML｜invoke>",
        ParameterOpen = "<｜DSML｜parameter",
        ParameterClose = "</｜DSML｜parameter>",
        NamedAttributes = true,
        SelfClosingInvoke = true,
        JsonBody = true,
        Reasoning = new("<think>", "</think>", MayOpenInPrompt: true),
    };
}
