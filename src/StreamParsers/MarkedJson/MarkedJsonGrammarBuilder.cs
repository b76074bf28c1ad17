namespace ToolFlow.StreamParsers;

/// <summary>One alternative of a choice, capture or text step: a literal and the label to go to after it.</summary>
/// <param name="Literal">The literal.</param>
/// <param name="Target">A label, or <c>next</c>, <c>end</c> (drop the block), <c>text</c> (surface it), <c>fail</c>.</param>
/// <param name="Lookahead">Whether the literal (one character) is matched without being consumed.</param>
internal readonly record struct MarkedJsonAlt(string Literal, string Target, bool Lookahead = false)
{
    /// <summary>A one-character lookahead alternative.</summary>
    public static MarkedJsonAlt Peek(char c, string target) => new(c.ToString(), target, true);

    public static implicit operator MarkedJsonAlt((string Literal, string Target) alt) => new(alt.Literal, alt.Target);
}

/// <summary>Builds a <see cref="MarkedJsonGrammar"/>: triggers, labelled steps, reasoning markers.</summary>
internal sealed class MarkedJsonGrammarBuilder(string name)
{
    private readonly List<(MarkedJsonAlt Alt, bool Speculative)> _triggers = [];
    private readonly List<(MarkedJsonStep Step, string[] Targets, string Else)> _steps = [];
    private readonly Dictionary<string, int> _labels = new(StringComparer.Ordinal);
    private string? _initial;
    private string? _reasoningStart;
    private string? _reasoningEnd;
    private bool _dropStrayReasoningEnd;
    private bool _callEndsReasoning;
    private bool _completeUnclosed;

    /// <summary>A marker in text that starts a block at a label.</summary>
    public MarkedJsonGrammarBuilder Trigger(string literal, string label, bool speculative = false)
    {
        _triggers.Add((new MarkedJsonAlt(literal, label), speculative));
        return this;
    }

    /// <summary>A one-character marker in text, not consumed, that may start a block at a label (bare JSON).</summary>
    public MarkedJsonGrammarBuilder PeekTrigger(char c, string label)
    {
        _triggers.Add((MarkedJsonAlt.Peek(c, label), true));
        return this;
    }

    /// <summary>The response starts at a label rather than in text.</summary>
    public MarkedJsonGrammarBuilder StartAt(string label)
    {
        _initial = label;
        return this;
    }

    /// <summary>Reasoning markers: an optional start marker at the start of the response, and the end marker.</summary>
    public MarkedJsonGrammarBuilder Reasoning(string? start, string end, bool dropStrayEnd = true, bool callEndsReasoning = false)
    {
        _reasoningStart = start;
        _reasoningEnd = end;
        _dropStrayReasoningEnd = dropStrayEnd;
        _callEndsReasoning = callEndsReasoning;
        return this;
    }

    /// <summary>Calls whose arguments are still open at the end of the response complete, with an error.</summary>
    public MarkedJsonGrammarBuilder CompleteUnclosedArgumentsAtEnd()
    {
        _completeUnclosed = true;
        return this;
    }

    public MarkedJsonGrammarBuilder Label(string label)
    {
        _labels.Add(label, _steps.Count);
        return this;
    }

    public MarkedJsonGrammarBuilder Ws() => Add(new MarkedJsonStep { Kind = MarkedJsonStepKind.Whitespace }, [], "next");

    /// <summary>A required literal.</summary>
    public MarkedJsonGrammarBuilder Lit(string literal) => Choice("fail", (literal, "next"));

    /// <summary>An optional literal.</summary>
    public MarkedJsonGrammarBuilder Opt(string literal) => Choice("next", (literal, "next"));

    public MarkedJsonGrammarBuilder Choice(string otherwise, params MarkedJsonAlt[] alts) =>
        Add(new MarkedJsonStep { Kind = MarkedJsonStepKind.Choice, Literals = Set(alts) }, [.. alts.Select(a => a.Target)], otherwise);

    public MarkedJsonGrammarBuilder Capture(MarkedJsonCaptureKind capture, MarkedJsonCharClass chars, params MarkedJsonAlt[] terminators) =>
        Add(new MarkedJsonStep { Kind = MarkedJsonStepKind.Capture, Capture = capture, Chars = chars, Literals = Set(terminators) }, [.. terminators.Select(a => a.Target)], "fail");

    public MarkedJsonGrammarBuilder TextUntil(bool reasoning, params MarkedJsonAlt[] terminators) =>
        Add(new MarkedJsonStep { Kind = MarkedJsonStepKind.TextUntil, IsReasoning = reasoning, Literals = Set(terminators) }, [.. terminators.Select(a => a.Target)], "fail");

    public MarkedJsonGrammarBuilder Body(MarkedJsonBodyKind body, bool firstKeyIsName = false, bool requireArguments = false) =>
        Add(new MarkedJsonStep { Kind = MarkedJsonStepKind.Body, Body = body, FirstKeyIsName = firstKeyIsName, RequireArguments = requireArguments }, [], "next");

    public MarkedJsonGrammarBuilder RawArgument(string parameter, params MarkedJsonAlt[] terminators) =>
        Add(new MarkedJsonStep { Kind = MarkedJsonStepKind.RawArgument, Parameter = parameter, Literals = Set(terminators) }, [.. terminators.Select(a => a.Target)], "fail");

    public MarkedJsonGrammarBuilder XmlParameters(MarkedJsonXmlSyntax xml) =>
        Add(new MarkedJsonStep { Kind = MarkedJsonStepKind.XmlParameters, Xml = xml }, [], "next");

    public MarkedJsonGrammarBuilder Dispatch(MarkedJsonDispatch dispatch, params string[] targets) =>
        Add(new MarkedJsonStep { Kind = MarkedJsonStepKind.Dispatch, Dispatch = dispatch }, targets, "fail");

    public MarkedJsonGrammarBuilder Commit() => Add(new MarkedJsonStep { Kind = MarkedJsonStepKind.Commit }, [], "next");

    /// <summary>Reports a diagnostic (the input is readable, but not as the format prescribes).</summary>
    public MarkedJsonGrammarBuilder Note(string code, string message) =>
        Add(new MarkedJsonStep { Kind = MarkedJsonStepKind.Note, Code = code, Message = message }, [], "next");

    public MarkedJsonGrammarBuilder Jump(string label) => Add(new MarkedJsonStep { Kind = MarkedJsonStepKind.Jump }, [], label);

    public MarkedJsonGrammar Build()
    {
        var steps = new MarkedJsonStep[_steps.Count];
        for (int s = 0; s < steps.Length; s++)
        {
            (MarkedJsonStep step, string[] targets, string otherwise) = _steps[s];
            step.Targets = [.. targets.Select(t => Resolve(t, s))];
            step.Else = Resolve(otherwise, s);
            steps[s] = step;
        }

        var literals = new List<string>();
        var lookahead = new List<bool>();
        var entries = new List<int>();
        var speculative = new List<bool>();
        foreach ((MarkedJsonAlt alt, bool isSpeculative) in _triggers)
        {
            literals.Add(alt.Literal);
            lookahead.Add(alt.Lookahead);
            entries.Add(Resolve(alt.Target, -1));
            speculative.Add(isSpeculative);
        }

        if (_reasoningEnd is not null && _dropStrayReasoningEnd)
        {
            literals.Add(_reasoningEnd);
            lookahead.Add(false);
            entries.Add(MarkedJsonGrammar.StrayReasoningEnd);
            speculative.Add(false);
        }

        MarkedLiteralSet? reasoningEndSet = null;
        if (_reasoningEnd is not null)
        {
            var endLiterals = new List<string> { _reasoningEnd };
            var endLookahead = new List<bool> { false };
            if (_callEndsReasoning)
            {
                foreach ((MarkedJsonAlt alt, _) in _triggers)
                {
                    endLiterals.Add(alt.Literal);
                    endLookahead.Add(alt.Lookahead);
                }
            }

            reasoningEndSet = new MarkedLiteralSet(endLiterals, endLookahead);
        }

        return new MarkedJsonGrammar
        {
            Name = name,
            Triggers = new MarkedLiteralSet(literals, lookahead),
            TriggerEntries = [.. entries],
            TriggerSpeculative = [.. speculative],
            Steps = steps,
            InitialEntry = _initial is null ? -1 : Resolve(_initial, -1),
            ReasoningStart = _reasoningStart,
            ReasoningEnd = _reasoningEnd,
            CallEndsReasoning = _callEndsReasoning,
            ReasoningEndSet = reasoningEndSet,
            StartSet = new MarkedLiteralSet(
                [.. (_reasoningStart is null ? [] : new[] { _reasoningStart }), .. literals],
                [.. (_reasoningStart is null ? [] : new[] { false }), .. lookahead]),
            CompleteUnclosedArgumentsAtEnd = _completeUnclosed,
        };
    }

    private MarkedJsonGrammarBuilder Add(MarkedJsonStep step, string[] targets, string otherwise)
    {
        _steps.Add((step, targets, otherwise));
        return this;
    }

    private static MarkedLiteralSet Set(MarkedJsonAlt[] alts) =>
        new([.. alts.Select(a => a.Literal)], [.. alts.Select(a => a.Lookahead)]);

    private int Resolve(string target, int step) => target switch
    {
        "next" when step + 1 >= _steps.Count => throw new InvalidOperationException($"Grammar '{name}' goes past its last step."),
        "next" => step + 1,
        "end" => MarkedJsonGrammar.End,
        "text" => MarkedJsonGrammar.EndText,
        "fail" => MarkedJsonGrammar.Fail,
        _ => _labels.TryGetValue(target, out int index) ? index : throw new InvalidOperationException($"Grammar '{name}' has no label '{target}'."),
    };
}
