using System.Text.Json;

namespace ToolFlow.StreamParsers.Tests;

public sealed class PythonicToolCallParserTests
{
    private static readonly Func<ToolCallTextParser> s_create = () => new PythonicToolCallParser();

    // Input, the text expected around the calls, and the calls expected to complete as name:arguments.
    public static TheoryData<string, string, string> SplitCases { get; } = new()
    {
        // Text before, between and after lists.
        { "Sure: [get_weather(city='Paris')] and [now()] done", "Sure:  and  done", """get_weather:{"city":"Paris"}|now:{}""" },

        // Every literal kind, nested, with both quote kinds and whitespace everywhere.
        {
            """[ f( a = 1 , b=-2.5e3, c=.5, d=0x1F, e=True, f=None, g=[1, (2, 3), {'k': "v", 1: False}], h='', i="" , ) ]""",
            "",
            """f:{"a":1,"b":-2.5e3,"c":0.5,"d":31,"e":true,"f":null,"g":[1,[2,3],{"k":"v","1":false}],"h":"","i":""}"""
        },

        // Escapes of every kind, quotes of the other kind, triple quotes, brackets inside strings.
        {
            """"[echo(s='it\'s "x" \\ \n\t\x41\u00e9\U0001F389\101 ] ) [', t="""a "b" ''c''\nd""", u='\q')]"""",
            "",
            """echo:{"s":"it's \"x\" \\ \n\tAé🎉A ] ) [","t":"a \"b\" ''c''\nd","u":"\\q"}"""
        },

        // Non-ASCII names, values and dotted tool names.
        { "[grocery.order(ville='杭州', emoji='🎉')]", "", """grocery.order:{"ville":"杭州","emoji":"🎉"}""" },

        // Brackets that do not start calls: markdown links, indexes, empty lists, a name without '('.
        { "See [1] and [docs](http://x) or a[i] [] [f] [f g(", "See [1] and [docs](http://x) or a[i] [] [f] [f g(", "" },

        // Nested lists of calls are text up to the first call.
        { "[[f(a=1)]]", "[]", """f:{"a":1}""" },
    };

    [Theory]
    [MemberData(nameof(SplitCases))]
    public void Append_EverySplit_SameEventsAsWholeInput(string input, string expectedText, string expectedCalls)
    {
        RecordingObserver whole = TextParserHarness.AssertSplitInvariant(s_create, input);

        Assert.Equal(expectedText, whole.Text);
        Assert.Equal(expectedCalls, string.Join("|", whole.Calls.Select(c => $"{c.Name}:{c.ArgumentsJson}")));
        Assert.All(whole.Calls, c => Assert.True(c.IsValid, c.Error));
    }

    [Fact]
    public void Append_ParallelCalls_EachCompletesAtItsClosingParenthesis()
    {
        const string Input = "[a(x=1), b(y=[1, 2])]";

        RecordingObserver whole = TextParserHarness.AssertSplitInvariant(s_create, Input);

        Assert.Equal([Input.IndexOf(')', StringComparison.Ordinal) + 1L, Input.LastIndexOf(')') + 1L], whole.Calls.Select(c => c.Offset));
        Assert.All(whole.Calls, c => Assert.Equal(ToolCallCompletionReason.JsonClosed, c.Reason));
        Assert.Equal(["a", "b"], whole.Started.Select(s => s.Name));
    }

    [Fact]
    public void Append_CallClosesMidChunk_CompletesBeforeTheListEnds()
    {
        var parser = new PythonicToolCallParser();
        var observer = new RecordingObserver();

        parser.Append("[slow(n=1), ", observer);

        ParsedToolCall call = Assert.Single(observer.Calls);
        Assert.Equal("slow", call.Name);
        Assert.Equal(10, call.Offset);
    }

    [Fact]
    public void Append_ArgumentsStream_DeltasAreTheArgumentsJson()
    {
        RecordingObserver observer = TextParserHarness.Run(s_create, "[f(a='", "xy", "z', b=[1", ", 2])]");

        ParsedToolCall call = Assert.Single(observer.Calls);
        Assert.Equal("""{"a":"xyz","b":[1,2]}""", call.ArgumentsJson);
        Assert.Equal(call.ArgumentsJson, observer.ArgumentsOf(0));
        Assert.True(observer.Events.Count(e => e.Kind == ParserEventKind.ArgumentsDelta) >= 3);
        Assert.Equal("xyz", call.Arguments!.Value.GetProperty("a").GetString());
    }

    public static TheoryData<string, string> MalformedCases { get; } = new()
    {
        // A positional argument, a nested call, a bare name, an operator, an unknown escape kind.
        { "[f(1)] tail", "[f(1)] tail" },
        { "[f(x=g(1))]", "[f(x=g(1))]" },
        { "[f(x=foo)]", "[f(x=foo)]" },
        { "[f(x=1+2)]", "[f(x=1+2)]" },
        { "[f(x='\\N{DASH}')]", "[f(x='\\N{DASH}')]" },

        // Malformed after a first call completed: the completed call stays, the rest is text.
        { "[f(), g(x=bad)] end", ", g(x=bad)] end" },
        { "[f() oops", " oops" },
    };

    [Theory]
    [MemberData(nameof(MalformedCases))]
    public void Append_MalformedList_TextKeptWithDiagnostic(string input, string expectedText)
    {
        RecordingObserver whole = TextParserHarness.AssertSplitInvariant(s_create, input);

        Assert.Equal(expectedText, whole.Text);
        Assert.Contains(PythonicDiagnosticCodes.CallInvalidSyntax, whole.DiagnosticCodes);
        Assert.All(whole.Started.Where(s => whole.Calls.All(c => c.Index != s.Index)), s => Assert.Contains(s.Index, whole.Aborted));
    }

    [Fact]
    public void Complete_InsideACall_AbortsTheCall()
    {
        RecordingObserver observer = TextParserHarness.Run(s_create, "Hi [f(a='x");

        Assert.Empty(observer.Calls);
        Assert.Equal([0], observer.Aborted);
        Assert.Equal("Hi ", observer.Text);
        Assert.Equal([ParserDiagnosticCodes.CallUnterminated], observer.DiagnosticCodes);
    }

    [Fact]
    public void Complete_InsideAListBeforeAnyCall_SurfacesTheText()
    {
        RecordingObserver observer = TextParserHarness.Run(s_create, "Hi [get_wea");

        Assert.Equal("Hi [get_wea", observer.Text);
        Assert.Empty(observer.Diagnostics);
    }

    [Fact]
    public void Complete_ListNotClosed_CallKeptWithDiagnostic()
    {
        RecordingObserver observer = TextParserHarness.Run(s_create, "[f(a=1)");

        Assert.Equal("f", Assert.Single(observer.Calls).Name);
        Assert.Equal([ParserDiagnosticCodes.CallUnterminated], observer.DiagnosticCodes);
    }

    [Fact]
    public void Append_RandomCalls_EverySplitSameEvents()
    {
        var random = new Random(7);
        string[] values = ["1", "-0.5", "'a,b'", "\"q\\\"\"", "[1, [2]]", "{'k': (1,)}", "None", "True", "'''x'y'''"];
        for (int n = 0; n < 15; n++)
        {
            var calls = Enumerable.Range(0, random.Next(1, 4)).Select(k =>
                $"t{k}(" + string.Join(", ", Enumerable.Range(0, random.Next(0, 3)).Select(a => $"p{a}={values[random.Next(values.Length)]}")) + ")");
            string input = "x [" + string.Join(", ", calls) + "] y";

            RecordingObserver whole = TextParserHarness.AssertSplitInvariant(s_create, input);

            Assert.Equal("x  y", whole.Text);
            Assert.All(whole.Calls, c => Assert.True(c.IsValid, input + ": " + c.Error));
            Assert.All(whole.Calls, c => JsonDocument.Parse(c.ArgumentsJson).Dispose());
        }
    }
}
