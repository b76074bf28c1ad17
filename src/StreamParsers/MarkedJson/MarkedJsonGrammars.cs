using System.Collections.Frozen;

namespace ToolFlow.StreamParsers;

/// <summary>The grammars of the formats <see cref="MarkedJsonToolCallParser"/> reads, by registry name.</summary>
internal static class MarkedJsonGrammars
{
    private const string Think = "<think>";
    private const string EndThink = "</think>";

    private static readonly FrozenDictionary<string, MarkedJsonGrammar> s_grammars = Build();

    /// <summary>The format names, sorted.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. s_grammars.Keys.Order(StringComparer.Ordinal)];

    public static MarkedJsonGrammar? Find(string name) => s_grammars.GetValueOrDefault(name);

    private static FrozenDictionary<string, MarkedJsonGrammar> Build()
    {
        var grammars = new Dictionary<string, MarkedJsonGrammar>(StringComparer.Ordinal);
        void Add(MarkedJsonGrammar grammar, params string[] aliases)
        {
            grammars.Add(grammar.Name, grammar);
            foreach (string alias in aliases)
            {
                grammars.Add(alias, grammar);
            }
        }

        Add(HermesVariants(), "hermes_variants");
        Add(Ernie45());
        Add(Llama3Json());
        Add(GigaChat3());
        Add(Mistral("mistral"), "mistral_pre_v11", "mistral_v11", "mistral_args");
        Add(KimiK2());
        Add(DeepSeekV3("deepseek_v3", r1: false));
        Add(DeepSeekV3("deepseek_r1", r1: true));
        Add(DeepSeekV31());
        Add(Harmony());
        Add(Hunyuan());
        Add(Xlam());
        Add(Granite());
        Add(Granite20bFc());
        Add(CommandR7b());
        Add(CommandRPlus());
        Add(LongCat());
        Add(Functools("phi4_mini_json"));
        Add(Functools("firefunction_v2"));
        Add(InternLm());
        Add(MiniMax());
        Add(Nemotron());
        Add(Apertus());
        Add(ToolCallsArray("jamba", reasoning: false));
        Add(ToolCallsArray("apriel", reasoning: true));
        Add(JsonArray());
        Add(FunctionaryV31());
        Add(FunctionaryV32());
        Add(Step3());
        Add(MiniCpm5());
        return grammars.ToFrozenDictionary(StringComparer.Ordinal);
    }

    // <tag>{"name", "arguments"}</tag>: Body, end tag.
    private static MarkedJsonGrammarBuilder TaggedEnvelope(this MarkedJsonGrammarBuilder g, string label, string endTag, bool firstKeyIsName = false) =>
        g.Label(label).Ws().Body(MarkedJsonBodyKind.Envelope, firstKeyIsName).Commit().Ws().Lit(endTag).Jump("end");

    // Hermes and the variants llama.cpp accepts: <tool_call>, <function_call>, <tool>, <tools>, <response>, <json>,
    // <xml>, ```json / ```xml fences around them or around bare JSON, <function=NAME>{args}</function>,
    // <function name="NAME">{args}</function>, and bare {"name": ...} in text.
    private static MarkedJsonGrammar HermesVariants()
    {
        string[] tags = ["tool_call", "function_call", "tool", "tools", "response", "json", "JSON", "xml"];
        var g = new MarkedJsonGrammarBuilder("hermes");
        foreach (string tag in tags)
        {
            g.Trigger($"<{tag}>", "tag_" + tag);
        }

        g.Trigger("```", "fence", speculative: true)
            .Trigger("<function=", "function_eq")
            .Trigger("<function name=\"", "function_name")
            .PeekTrigger('{', "bare")
            .Reasoning(Think, EndThink);
        foreach (string tag in tags)
        {
            g.TaggedEnvelope("tag_" + tag, $"</{tag}>", firstKeyIsName: tag != "tool_call");
        }

        g.Label("fence").Choice("fence_body", ("json", "fence_body"), ("xml", "fence_body"))
            .Label("fence_body").Ws().Choice("fail", [MarkedJsonAlt.Peek('{', "fence_bare"), .. tags.Select(t => new MarkedJsonAlt($"<{t}>", "fence_" + t))])
            .Label("fence_bare").Body(MarkedJsonBodyKind.Envelope, firstKeyIsName: true).Commit().Ws().Lit("```").Jump("end");
        foreach (string tag in tags)
        {
            g.Label("fence_" + tag).Ws().Body(MarkedJsonBodyKind.Envelope, firstKeyIsName: true).Commit().Ws().Lit($"</{tag}>").Commit().Ws().Lit("```").Jump("end");
        }

        return g
            .Label("function_eq").Capture(MarkedJsonCaptureKind.Name, MarkedJsonCharClass.Identifier, (">", "function_args"))
            .Label("function_name").Capture(MarkedJsonCaptureKind.Name, MarkedJsonCharClass.Identifier, ("\">", "function_args"))
            .Label("function_args").Ws().Body(MarkedJsonBodyKind.Arguments).Commit().Ws().Lit("</function>").Jump("end")
            .Label("bare").Body(MarkedJsonBodyKind.Envelope, firstKeyIsName: true).Jump("end")
            .Build();
    }

    // ERNIE 4.5: Hermes tags; "</think>" stays in the content.
    private static MarkedJsonGrammar Ernie45() =>
        new MarkedJsonGrammarBuilder("ernie45")
            .Trigger("<tool_call>", "call")
            .TaggedEnvelope("call", "</tool_call>")
            .Build();

    // Llama 3.x JSON: optional <|python_tag|>, {"name", "parameters"} objects separated by ';' (or python tags).
    private static MarkedJsonGrammar Llama3Json() =>
        new MarkedJsonGrammarBuilder("llama3_json")
            .Trigger("<|python_tag|>", "tag")
            .PeekTrigger('{', "json")
            .Label("tag").Ws().Body(MarkedJsonBodyKind.Envelope, requireArguments: true).Jump("after")
            .Label("json").Body(MarkedJsonBodyKind.Envelope, requireArguments: true)
            .Label("after").Commit().Ws().Choice("text", (";", "separated"), ("<|python_tag|>", "tag"))
            .Label("separated").Ws().Body(MarkedJsonBodyKind.Envelope, requireArguments: true).Jump("after")
            .Build();

    // GigaChat 3: "<|message_sep|>\n\nfunction call<|role_sep|>\n{json}", 3.1: "<|function_call|>{json}"; an EOS "</s>" may follow.
    private static MarkedJsonGrammar GigaChat3() =>
        new MarkedJsonGrammarBuilder("gigachat3")
            .Trigger("<|message_sep|>\n\nfunction call<|role_sep|>", "call")
            .Trigger("<|function_call|>", "call")
            .Label("call").Ws().Body(MarkedJsonBodyKind.Envelope, requireArguments: true).Commit().Ws().Choice("text", ("</s>", "end"))
            .Build();

    // Mistral: [TOOL_CALLS] [{"name", "arguments"}, ...] (before v11), [TOOL_CALLS]NAME{args} (v11),
    // [TOOL_CALLS]NAME[CALL_ID]ID[ARGS]{args} (v13); reasoning [THINK]...[/THINK].
    private static MarkedJsonGrammar Mistral(string name) =>
        new MarkedJsonGrammarBuilder(name)
            .Trigger("[TOOL_CALLS]", "calls")
            .Reasoning("[THINK]", "[/THINK]")
            .CompleteUnclosedArgumentsAtEnd()
            .Label("calls").Ws().Choice("named", MarkedJsonAlt.Peek('[', "array"))
            .Label("array").Body(MarkedJsonBodyKind.EnvelopeArray).Jump("end")
            .Label("named").Capture(MarkedJsonCaptureKind.Name, MarkedJsonCharClass.Identifier, MarkedJsonAlt.Peek('{', "args"), ("[ARGS]", "args"), ("[CALL_ID]", "call_id"))
            .Label("call_id").Capture(MarkedJsonCaptureKind.Id, MarkedJsonCharClass.Identifier, ("[ARGS]", "args"))
            .Label("args").Ws().Body(MarkedJsonBodyKind.Arguments).Jump("end")
            .Build();

    // Kimi K2: <|tool_calls_section_begin|><|tool_call_begin|>functions.NAME:IDX<|tool_call_argument_begin|>{args}<|tool_call_end|>...<|tool_calls_section_end|>.
    private static MarkedJsonGrammar KimiK2() =>
        new MarkedJsonGrammarBuilder("kimi_k2")
            .Trigger("<|tool_calls_section_begin|>", "section")
            .Trigger("<|tool_call_begin|>", "call")
            .Reasoning(Think, EndThink, callEndsReasoning: true)
            .Label("section").Ws().Choice("text", ("<|tool_call_begin|>", "call"), ("<|tool_calls_section_end|>", "end"))
            .Label("call").Ws().Capture(MarkedJsonCaptureKind.QualifiedId, MarkedJsonCharClass.Identifier, ("<|tool_call_argument_begin|>", "next"))
            .Ws().Body(MarkedJsonBodyKind.Arguments).Commit()
            .Ws().Choice("text", ("<|tool_call_end|>", "call_end"), ("<|tool_call_begin|>", "call"), ("<|tool_calls_section_end|>", "end"))
            .Label("call_end").Commit().Jump("section")
            .Build();

    // DeepSeek V3 / R1: <｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>NAME\n```json\n{args}\n```<｜tool▁call▁end｜>...<｜tool▁calls▁end｜>.
    private static MarkedJsonGrammar DeepSeekV3(string name, bool r1)
    {
        var g = new MarkedJsonGrammarBuilder(name)
            .Trigger("<｜tool▁calls▁begin｜>", "section")
            .Trigger("<｜tool▁call▁begin｜>", "call")
            .Reasoning(Think, EndThink);
        if (r1)
        {
            g.Trigger("<｜tool▁calls｜>", "call").Trigger("<tool_call>", "hermes").TaggedEnvelope("hermes", "</tool_call>");
        }

        return g
            .Label("section").Ws().Choice("fail", ("<｜tool▁call▁begin｜>", "call"), ("function<｜tool▁sep｜>", "name"), ("<｜tool▁calls▁end｜>", "end"))
            .Label("call").Ws().Lit("function<｜tool▁sep｜>")
            .Label("name").Capture(MarkedJsonCaptureKind.Name, MarkedJsonCharClass.Identifier, ("```json", "args"))
            .Label("args").Ws().Body(MarkedJsonBodyKind.Arguments).Commit()
            .Ws().Lit("```").Ws().Lit("<｜tool▁call▁end｜>").Commit().Jump("section")
            .Build();
    }

    // DeepSeek V3.1: <｜tool▁calls▁begin｜><｜tool▁call▁begin｜>NAME<｜tool▁sep｜>{args}<｜tool▁call▁end｜>...<｜tool▁calls▁end｜>.
    private static MarkedJsonGrammar DeepSeekV31() =>
        new MarkedJsonGrammarBuilder("deepseek_v31")
            .Trigger("<｜tool▁calls▁begin｜>", "section")
            .Trigger("<｜tool▁call▁begin｜>", "call")
            .Reasoning(Think, EndThink)
            .Label("section").Ws().Choice("fail", ("<｜tool▁call▁begin｜>", "call"), ("<｜tool▁calls▁end｜>", "end"))
            .Label("call").Ws().Capture(MarkedJsonCaptureKind.Name, MarkedJsonCharClass.Identifier, ("<｜tool▁sep｜>", "next"))
            .Ws().Body(MarkedJsonBodyKind.Arguments).Commit()
            .Ws().Lit("<｜tool▁call▁end｜>").Commit().Jump("section")
            .Build();

    // gpt-oss Harmony: messages "[<|start|>assistant][ to=functions.NAME]<|channel|>CHANNEL[ to=functions.NAME][ <|constrain|>json]<|message|>BODY<|end|>|<|call|>".
    // A message to a function holds its JSON arguments; analysis is reasoning; final (or commentary) is content.
    private static MarkedJsonGrammar Harmony() =>
        new MarkedJsonGrammarBuilder("harmony")
            .Trigger("<|start|>", "header")
            .Trigger("<|channel|>", "header")
            .StartAt("header")
            .Label("header").Capture(MarkedJsonCaptureKind.None, MarkedJsonCharClass.Line, ("<|message|>", "next"))
            .Dispatch(HarmonyDispatch, "call", "analysis", "final")
            .Label("call").Ws().Body(MarkedJsonBodyKind.Arguments).Commit().Ws().Choice("text", ("<|call|>", "end"), ("<|end|>", "end"))
            .Label("analysis").TextUntil(reasoning: true, ("<|end|>", "end"), ("<|start|>", "header"))
            .Label("final").TextUntil(reasoning: false, ("<|end|>", "end"), ("<|return|>", "end"), ("<|start|>", "header"))
            .Build();

    private static int HarmonyDispatch(ReadOnlySpan<char> header, out string? name)
    {
        name = null;
        int to = header.IndexOf(" to=");
        if (to >= 0)
        {
            return Recipient(Token(header[(to + 4)..]), out name);
        }

        if (header.StartsWith("to="))
        {
            return Recipient(Token(header[3..]), out name);
        }

        int channel = header.IndexOf("<|channel|>");
        return channel >= 0 && Token(header[(channel + "<|channel|>".Length)..]).SequenceEqual("analysis") ? 1 : 2;

        static ReadOnlySpan<char> Token(ReadOnlySpan<char> text)
        {
            int stop = text.IndexOfAny(" \t<");
            return stop < 0 ? text : text[..stop];
        }

        static int Recipient(ReadOnlySpan<char> recipient, out string? name)
        {
            if (recipient.StartsWith("functions."))
            {
                recipient = recipient["functions.".Length..];
            }

            name = recipient.IsEmpty ? null : new string(recipient);
            return recipient.IsEmpty ? -1 : 0;
        }
    }

    // Hunyuan A13B: <think>...</think><answer><tool_calls>[{"name", "arguments"}, ...]</tool_calls></answer>; the
    // <answer> tags are markup and dropped.
    private static MarkedJsonGrammar Hunyuan() =>
        new MarkedJsonGrammarBuilder("hunyuan_a13b")
            .Trigger("<tool_calls>", "calls")
            .Trigger("<answer>", "end")
            .Trigger("</answer>", "end")
            .Reasoning(Think, EndThink)
            .Label("calls").Ws().Body(MarkedJsonBodyKind.EnvelopeArray).Commit().Ws().Lit("</tool_calls>").Jump("end")
            .Build();

    // xLAM: a JSON array of calls, bare or in ```json fences, <tool_call> tags or after [TOOL_CALLS].
    private static MarkedJsonGrammar Xlam() =>
        new MarkedJsonGrammarBuilder("xlam")
            .PeekTrigger('[', "array")
            .Trigger("[TOOL_CALLS]", "tagged_array")
            .Trigger("```", "fence")
            .Trigger("<tool_call>", "tag")
            .Label("array").Body(MarkedJsonBodyKind.EnvelopeArray).Jump("end")
            .Label("tagged_array").Ws().Body(MarkedJsonBodyKind.EnvelopeArray).Jump("end")
            .Label("fence").Opt("json").Ws().Choice("fail", MarkedJsonAlt.Peek('[', "fence_array"), MarkedJsonAlt.Peek('{', "fence_object"))
            .Label("fence_array").Body(MarkedJsonBodyKind.EnvelopeArray).Jump("fence_end")
            .Label("fence_object").Body(MarkedJsonBodyKind.Envelope, firstKeyIsName: true)
            .Label("fence_end").Commit().Ws().Lit("```").Jump("end")
            .Label("tag").Ws().Choice("fail", MarkedJsonAlt.Peek('[', "tag_array"), MarkedJsonAlt.Peek('{', "tag_object"))
            .Label("tag_array").Body(MarkedJsonBodyKind.EnvelopeArray).Jump("tag_end")
            .Label("tag_object").Body(MarkedJsonBodyKind.Envelope)
            .Label("tag_end").Commit().Ws().Lit("</tool_call>").Jump("end")
            .Build();

    // Granite 3.x: <|tool_call|>[{"name", "arguments"}, ...] (also <tool_call>, or a bare array, as vLLM accepts).
    private static MarkedJsonGrammar Granite() =>
        new MarkedJsonGrammarBuilder("granite")
            .Trigger("<|tool_call|>", "calls")
            .Trigger("<tool_call>", "calls")
            .PeekTrigger('[', "bare")
            .Reasoning(Think, EndThink)
            .Label("calls").Ws().Body(MarkedJsonBodyKind.EnvelopeArray).Jump("end")
            .Label("bare").Body(MarkedJsonBodyKind.EnvelopeArray)
            .Note(ParserDiagnosticCodes.CallMissingJson, "A granite array of tool calls is written without <|tool_call|>; it is read anyway.")
            .Jump("end")
            .Build();

    // Granite 20B function calling: <function_call> {"name", "arguments"}, repeated.
    private static MarkedJsonGrammar Granite20bFc() =>
        new MarkedJsonGrammarBuilder("granite_20b_fc")
            .Trigger("<function_call>", "call")
            .PeekTrigger('{', "bare")
            .Label("call").Ws().Body(MarkedJsonBodyKind.Envelope).Jump("end")
            .Label("bare").Body(MarkedJsonBodyKind.Envelope, firstKeyIsName: true)
            .Note(ParserDiagnosticCodes.CallMissingJson, "A granite_20b_fc tool call is written without <function_call>; it is read anyway.")
            .Jump("end")
            .Build();

    // Command R7B: <|START_THINKING|>...<|END_THINKING|><|START_ACTION|>[{"tool_call_id", "tool_name", "parameters"}, ...]<|END_ACTION|>.
    private static MarkedJsonGrammar CommandR7b() =>
        new MarkedJsonGrammarBuilder("command_r7b")
            .Trigger("<|START_ACTION|>", "action")
            .Trigger("<|START_RESPONSE|>", "end")
            .Trigger("<|END_RESPONSE|>", "end")
            .Reasoning("<|START_THINKING|>", "<|END_THINKING|>")
            .Label("action").Ws().Body(MarkedJsonBodyKind.EnvelopeArray).Commit().Ws().Lit("<|END_ACTION|>").Jump("end")
            .Build();

    // Command R+: Action:\n```json\n[{"tool_name", "parameters"}]\n```.
    private static MarkedJsonGrammar CommandRPlus() =>
        new MarkedJsonGrammarBuilder("command_r_plus")
            .Trigger("Action:", "action", speculative: true)
            .Label("action").Ws().Lit("```").Opt("json").Ws().Body(MarkedJsonBodyKind.EnvelopeArray).Commit().Ws().Lit("```").Jump("end")
            .Build();

    // LongCat: <longcat_tool_call>{"name", "arguments"}</longcat_tool_call>.
    private static MarkedJsonGrammar LongCat() =>
        new MarkedJsonGrammarBuilder("longcat")
            .Trigger("<longcat_tool_call>", "call")
            .Reasoning(Think, EndThink)
            .TaggedEnvelope("call", "</longcat_tool_call>")
            .Build();

    // Phi-4-mini and FireFunction v2: functools[{"name", "arguments"}, ...].
    private static MarkedJsonGrammar Functools(string name) =>
        new MarkedJsonGrammarBuilder(name)
            .Trigger("functools", "calls")
            .Label("calls").Ws().Body(MarkedJsonBodyKind.EnvelopeArray).Jump("end")
            .Build();

    // InternLM 2: <|action_start|><|plugin|>{"name", "parameters"}<|action_end|>.
    private static MarkedJsonGrammar InternLm() =>
        new MarkedJsonGrammarBuilder("internlm")
            .Trigger("<|action_start|>", "call")
            .Label("call").Lit("<|plugin|>").Ws().Body(MarkedJsonBodyKind.Envelope).Commit().Ws().Lit("<|action_end|>").Jump("end")
            .Build();

    // MiniMax (M1): <tool_calls>\n{"name", "arguments"}\n{...}\n</tool_calls>, one call per line.
    private static MarkedJsonGrammar MiniMax() =>
        new MarkedJsonGrammarBuilder("minimax")
            .Trigger("<tool_calls>", "lines")
            .Reasoning(Think, EndThink)
            .Label("lines").Commit().Ws().Choice("fail", MarkedJsonAlt.Peek('{', "call"), ("</tool_calls>", "end"))
            .Label("call").Body(MarkedJsonBodyKind.Envelope).Jump("lines")
            .Build();

    // Nemotron Nano v2: <TOOLCALL>[{"name", "arguments"}, ...]</TOOLCALL>.
    private static MarkedJsonGrammar Nemotron() =>
        new MarkedJsonGrammarBuilder("nemotron_v2")
            .Trigger("<TOOLCALL>", "calls")
            .Reasoning(Think, EndThink)
            .Label("calls").Ws().Body(MarkedJsonBodyKind.EnvelopeArray).Commit().Ws().Lit("</TOOLCALL>").Jump("end")
            .Build();

    // Apertus: <|tools_prefix|>[{"NAME": {args}}, ...]<|tools_suffix|>; reasoning <|inner_prefix|>...<|inner_suffix|>.
    private static MarkedJsonGrammar Apertus() =>
        new MarkedJsonGrammarBuilder("apertus")
            .Trigger("<|tools_prefix|>", "calls")
            .Reasoning("<|inner_prefix|>", "<|inner_suffix|>")
            .Label("calls").Ws().Body(MarkedJsonBodyKind.NameKeyedArray).Commit().Ws().Lit("<|tools_suffix|>").Jump("end")
            .Build();

    // Jamba and Apriel: <tool_calls>[{"name", "arguments"}, ...]</tool_calls>; Apriel ends its reasoning with [BEGIN FINAL RESPONSE].
    private static MarkedJsonGrammar ToolCallsArray(string name, bool reasoning)
    {
        var g = new MarkedJsonGrammarBuilder(name).Trigger("<tool_calls>", "calls");
        if (reasoning)
        {
            g.Reasoning(null, "[BEGIN FINAL RESPONSE]").Trigger("[END FINAL RESPONSE]", "end");
        }

        return g.Label("calls").Ws().Body(MarkedJsonBodyKind.EnvelopeArray).Commit().Ws().Lit("</tool_calls>").Jump("end")
            .Build();
    }

    // A bare JSON array of calls: [{"name", "parameters"}, ...].
    private static MarkedJsonGrammar JsonArray() =>
        new MarkedJsonGrammarBuilder("json_array")
            .PeekTrigger('[', "calls")
            .Label("calls").Body(MarkedJsonBodyKind.EnvelopeArray).Jump("end")
            .Build();

    // Functionary v3.1 (Llama 3.1): <function=NAME>{args}</function>.
    private static MarkedJsonGrammar FunctionaryV31() =>
        new MarkedJsonGrammarBuilder("functionary_v3_1")
            .Trigger("<function=", "call")
            .Label("call").Capture(MarkedJsonCaptureKind.Name, MarkedJsonCharClass.Identifier, (">", "next"))
            .Ws().Body(MarkedJsonBodyKind.Arguments).Commit().Ws().Lit("</function>").Jump("end")
            .Build();

    // Functionary v3.2: the response starts with a recipient line, "all" for text or a tool name for JSON arguments
    // ("python" for raw code up to the next recipient); later calls start with ">>>NAME\n".
    private static MarkedJsonGrammar FunctionaryV32() =>
        new MarkedJsonGrammarBuilder("functionary_v3_2")
            .Trigger(">>>", "recipient")
            .StartAt("recipient")
            .Label("recipient").Capture(MarkedJsonCaptureKind.Name, MarkedJsonCharClass.Identifier, ("\n", "next"))
            .Dispatch(FunctionaryDispatch, "end", "args", "code")
            .Label("args").Ws().Body(MarkedJsonBodyKind.Arguments).Jump("end")
            .Label("code").RawArgument("code", (">>>", "recipient"))
            .Build();

    private static int FunctionaryDispatch(ReadOnlySpan<char> block, out string? name)
    {
        name = null;
        ReadOnlySpan<char> recipient = block.TrimStart(">");
        return recipient.StartsWith("all\n") ? 0 : recipient.StartsWith("python\n") ? 2 : 1;
    }

    // StepFun Step-3: <｜tool_calls_begin｜><｜tool_call_begin｜><steptml:invoke name="NAME"><steptml:parameter name="K">V</steptml:parameter></steptml:invoke><｜tool_call_end｜>...
    private static MarkedJsonGrammar Step3() =>
        new MarkedJsonGrammarBuilder("step3")
            .Trigger("<｜tool_calls_begin｜>", "section")
            .Trigger("<｜tool_call_begin｜>", "orphan")
            .Reasoning(Think, EndThink)
            .Label("orphan").Note(ParserDiagnosticCodes.CallMissingJson, "A step3 tool call is written outside <｜tool_calls_begin｜>; it is read anyway.").Jump("call")
            .Label("section").Ws().Choice("text", ("<｜tool_call_begin｜>", "call"), ("<｜tool_sep｜>", "section"), ("<｜tool_calls_end｜>", "end"))
            .Label("call").Ws().Lit("<steptml:invoke name=\"")
            .Capture(MarkedJsonCaptureKind.Name, MarkedJsonCharClass.Identifier, ("\">", "next"))
            .XmlParameters(new MarkedJsonXmlSyntax("<steptml:parameter name=\"", "\">", "</steptml:parameter>", "</steptml:invoke>"))
            .Commit().Ws().Lit("<｜tool_call_end｜>").Commit().Jump("section")
            .Build();

    // MiniCPM 5: <function name="NAME"><param name="K">V</param></function>, values possibly in CDATA.
    private static MarkedJsonGrammar MiniCpm5() =>
        new MarkedJsonGrammarBuilder("minicpm5")
            .Trigger("<function name=\"", "call")
            .Reasoning(Think, EndThink)
            .Label("call").Capture(MarkedJsonCaptureKind.Name, MarkedJsonCharClass.Identifier, ("\">", "next"))
            .XmlParameters(new MarkedJsonXmlSyntax("<param name=\"", "\">", "</param>", "</function>"))
            .Jump("end")
            .Build();
}
