namespace ToolFlow.StreamParsers;

/// <summary>How one pythonic format marks its calls; read by <see cref="PythonicParserCore"/>.</summary>
internal sealed class PythonicDialect
{
    private PythonicDialect(string name)
    {
        Name = name;
    }

    /// <summary><c>[get_weather(city='Paris'), ...]</c> anywhere in the text (vLLM and SGLang <c>pythonic</c>).</summary>
    public static PythonicDialect Pythonic { get; } = new("pythonic") { BareLists = true };

    /// <summary>Bare lists, with <c>&lt;|python_start|&gt;</c> and <c>&lt;|python_end|&gt;</c> dropped from the text (Llama 4).</summary>
    public static PythonicDialect Llama4 { get; } = new("llama4_pythonic")
    {
        BareLists = true,
        SilentMarkers = ["<|python_start|>", "<|python_end|>"],
    };

    /// <summary>Calls one per line inside <c>&lt;function_calls&gt;...&lt;/function_calls&gt;</c> (OLMo 3).</summary>
    public static PythonicDialect Olmo3 { get; } = new("olmo3")
    {
        BlockStart = "<function_calls>",
        BlockEnd = "</function_calls>",
    };

    /// <summary>
    /// A pythonic list or JSON calls inside <c>&lt;|tool_call_start|&gt;...&lt;|tool_call_end|&gt;</c>, after an optional
    /// <c>&lt;think&gt;</c> block (LFM2).
    /// </summary>
    public static PythonicDialect Lfm2 { get; } = new("lfm2")
    {
        BlockStart = "<|tool_call_start|>",
        BlockEnd = "<|tool_call_end|>",
        JsonInBlocks = true,
        Reasoning = true,
    };

    /// <summary>The format's registry name.</summary>
    public string Name { get; }

    /// <summary>Whether a <c>[</c> followed by a name and <c>(</c> anywhere in the text starts a call list.</summary>
    public bool BareLists { get; private init; }

    /// <summary>Tokens that are dropped from the text wherever they appear.</summary>
    public string[] SilentMarkers { get; private init; } = [];

    /// <summary>The marker that opens a block of calls, or <see langword="null"/>.</summary>
    public string? BlockStart { get; private init; }

    /// <summary>The marker that closes a block of calls.</summary>
    public string? BlockEnd { get; private init; }

    /// <summary>Whether a block may hold JSON calls (<c>{"name", "arguments"}</c>) instead of pythonic ones.</summary>
    public bool JsonInBlocks { get; private init; }

    /// <summary>Whether a <c>&lt;think&gt;...&lt;/think&gt;</c> block at the start of the response is reasoning.</summary>
    public bool Reasoning { get; private init; }
}
