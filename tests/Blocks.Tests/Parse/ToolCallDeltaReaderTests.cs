using Microsoft.Extensions.AI;
using ToolFlow.StreamParsers;
using ToolFlow.Testing;
using static ToolFlow.Blocks.Tests.Events;

namespace ToolFlow.Blocks.Tests;

public sealed class ToolCallDeltaReaderTests
{
    private readonly ManualTimeProvider _clock = new();
    private readonly ManualTaskScheduler _scheduler = new();

    private BlockStepper<ToolPipelineEvent> Parser(params ToolCallDeltaReader[] readers) =>
        new(new ToolCallParserBlock(new ToolCallParserBlockOptions { TimeProvider = _clock, TaskScheduler = _scheduler, DeltaReaders = readers }), _clock, _scheduler);

    private static ModelUpdateReceived Raw(object raw, params AIContent[] contents) =>
        new(new ChatResponseUpdate(ChatRole.Assistant, [.. contents]) { RawRepresentation = raw }) { Turn = 1 };

    private static string[] Describe(IEnumerable<ToolPipelineEvent> events) => [.. events.Select(Events.Describe)];

    [Fact]
    public void Post_RawFragments_CallClosesMidStreamAndItsWholeContentAtTheEndIsTheSameCall()
    {
        BlockStepper<ToolPipelineEvent> parser = Parser(new FragmentReader());
        var steps = new List<string[]>
        {
            Describe(parser.Send(Raw(new RawFragment(0, "call_a", "lookup", null)))),
            Describe(parser.Send(Raw(new RawFragment(0, null, null, "{\"q\": ")))),
            Describe(parser.Send(Raw(new RawFragment(0, null, null, "\"x\"}")))),
            Describe(parser.Send(Update(new TextContent("Then more text.")))),

            // What a standard client yields at the end: the whole call, under the id its fragments carried.
            Describe(parser.Send(Update(new FunctionCallContent("call_a", "lookup", new Dictionary<string, object?> { ["q"] = "x" })))),
            Describe(parser.Send(new ModelStreamEnded(ChatFinishReason.ToolCalls, null, null) { Turn = 1 })),
        };

        string[][] expected =
        [
            ["detected call_a lookup #0"],
            ["args call_a '{\"q\": '"],
            ["args call_a '\"x\"}'", "closed call_a lookup {\"q\": \"x\"}"],
            ["text 'Then more text.'"],
            [],
            ["response tool_calls calls call_a"],
        ];
        Assert.Equal(expected, steps);
    }

    [Fact]
    public void Post_WholeCallWithAnotherId_IsAnotherCall()
    {
        BlockStepper<ToolPipelineEvent> parser = Parser(new FragmentReader());
        parser.Send(Raw(new RawFragment(0, "call_a", "lookup", "{}")));

        string[] whole = Describe(parser.Send(Update(new FunctionCallContent("call_b", "lookup", new Dictionary<string, object?>()))));

        Assert.Equal(["detected call_b lookup #1", "closed call_b lookup {}"], whole);
    }

    [Fact]
    public void Post_ArgumentlessCallFromFragments_ClosesWhenItsWholeContentArrivesNotAtTheEnd()
    {
        // Some providers stream no fragment at all for a call without arguments.
        BlockStepper<ToolPipelineEvent> parser = Parser(new FragmentReader());
        parser.Send(Raw(new RawFragment(3, "call_a", "now", null)));

        string[] whole = Describe(parser.Send(Update(new FunctionCallContent("call_a", "now", new Dictionary<string, object?>()))));
        string[] end = Describe(parser.Send(new ModelStreamEnded(ChatFinishReason.ToolCalls, null, null) { Turn = 1 }));

        Assert.Equal(["args call_a '{}'", "closed call_a now {}"], whole);
        Assert.Equal(["response tool_calls calls call_a"], end);
    }

    [Fact]
    public void Post_UpdateWhoseRawRepresentationWasRead_ItsOwnFragmentContentsAreNotReadTwice()
    {
        BlockStepper<ToolPipelineEvent> parser = Parser(new FragmentReader());
        parser.Send(Raw(new RawFragment(0, "call_a", "lookup", null), new ToolCallUpdateContent(0, "call_a", "lookup", null)));

        string[] closing = Describe(parser.Send(Raw(new RawFragment(0, null, null, "{\"q\": 1}"), new ToolCallUpdateContent(0, null, null, "{\"q\": 1}"))));

        Assert.Equal(["args call_a '{\"q\": 1}'", "closed call_a lookup {\"q\": 1}"], closing);
    }

    [Fact]
    public void Post_RawRepresentationNoReaderKnows_ContentsAreReadAsBefore()
    {
        BlockStepper<ToolPipelineEvent> parser = Parser(new FragmentReader());

        string[] events = Describe(parser.Send(Raw("other", new ToolCallUpdateContent(0, "call_a", "lookup", "{}"))));

        Assert.Equal(["detected call_a lookup #0", "args call_a '{}'", "closed call_a lookup {}"], events);
    }

    [Fact]
    public void Post_SeveralReaders_TheFirstThatKnowsTheRawRepresentationReadsIt()
    {
        var second = new FragmentReader();
        BlockStepper<ToolPipelineEvent> parser = Parser(new DeclineReader(), second);

        parser.Send(Raw(new RawFragment(0, "call_a", "lookup", "{}")));

        Assert.Equal(1, second.Reads);
    }

    [Fact]
    public void Post_ReaderWithStatePerResponse_EachResponseReadsWithItsOwn()
    {
        var reader = new PerResponseReader();
        BlockStepper<ToolPipelineEvent> parser = Parser(reader);

        parser.Send(Raw(new RawFragment(0, "call_a", "lookup", "{}")));
        parser.Send(new ModelStreamEnded(ChatFinishReason.ToolCalls, null, null) { Turn = 1 });
        parser.Send(new ModelUpdateReceived(new ChatResponseUpdate(ChatRole.Assistant, []) { RawRepresentation = new RawFragment(0, "call_b", "lookup", "{}") }) { Turn = 2 });

        Assert.Equal([1, 1], reader.Sessions.Select(s => s.Reads));
    }

    [Fact]
    public void DeltaReaders_NullReader_Throws()
    {
        var options = new ToolCallParserBlockOptions();

        Assert.Throws<ArgumentNullException>(() => options.DeltaReaders = [null!]);
        Assert.Throws<ArgumentNullException>(() => options.DeltaReaders = null!);
    }

    private sealed record RawFragment(int Index, string? Id, string? Name, string? Arguments);

    private sealed class FragmentReader : ToolCallDeltaReader
    {
        public int Reads { get; private set; }

        public override bool TryRead(object rawRepresentation, ICollection<ToolCallDelta> deltas)
        {
            if (rawRepresentation is not RawFragment fragment)
            {
                return false;
            }

            Reads++;
            deltas.Add(new ToolCallDelta(fragment.Index, fragment.Id, fragment.Name, fragment.Arguments));
            return true;
        }
    }

    private sealed class PerResponseReader : ToolCallDeltaReader
    {
        public List<FragmentReader> Sessions { get; } = [];

        public override ToolCallDeltaReader ForResponse()
        {
            var session = new FragmentReader();
            Sessions.Add(session);
            return session;
        }

        public override bool TryRead(object rawRepresentation, ICollection<ToolCallDelta> deltas) => throw new InvalidOperationException("Read with the response's own reader.");
    }

    private sealed class DeclineReader : ToolCallDeltaReader
    {
        public override bool TryRead(object rawRepresentation, ICollection<ToolCallDelta> deltas) => false;
    }
}
