using ToolFlow.Profiling;

namespace ToolFlow.Profiling.Tests;

public sealed class LowerBoundTests
{
    private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    [Fact]
    public void Of_IndependentCalls_IsTheLatestOfDecodeAndEachCloseplusLatency()
    {
        // Decode 1000; calls close at 200 (+500 = 700) and 600 (+700 = 1300): the second call bounds the turn.
        var turn = new TurnPlan(Ms(1000), [new PlannedCall(Ms(200), Ms(500)), new PlannedCall(Ms(600), Ms(700))]);

        Assert.Equal(Ms(1300), LowerBound.Of(turn));
    }

    [Fact]
    public void Of_DependencyChain_EachCallStartsAtTheLatestOfItsCloseAndItsDependenciesFinish()
    {
        // a closes 100, runs 300 -> 400. b closes 200 but needs a: 400 + 250 -> 650. c closes 700 (after b finished),
        // needs b: 700 + 100 -> 800. Decode ends at 750, so the turn ends at 800.
        var turn = new TurnPlan(Ms(750),
        [
            new PlannedCall(Ms(100), Ms(300)),
            new PlannedCall(Ms(200), Ms(250)) { DependsOn = [0] },
            new PlannedCall(Ms(700), Ms(100)) { DependsOn = [1] },
        ]);

        Assert.Equal([Ms(400), Ms(650), Ms(800)], LowerBound.EarliestFinishes(turn));
        Assert.Equal(Ms(800), LowerBound.Of(turn));
    }

    [Fact]
    public void Of_FanOutThenFanIn_TheJoinWaitsForTheSlowestBranch()
    {
        // Two searches close at 100 and 150 and take 900 and 400; the join closes at 200 and takes 50:
        // max(200, 1000, 550) + 50 = 1050.
        var turn = new TurnPlan(Ms(300),
        [
            new PlannedCall(Ms(100), Ms(900)),
            new PlannedCall(Ms(150), Ms(400)),
            new PlannedCall(Ms(200), Ms(50)) { DependsOn = [0, 1] },
        ]);

        Assert.Equal(Ms(1050), LowerBound.Of(turn));
    }

    [Fact]
    public void Of_SeveralTurns_SumsTheTurns()
    {
        TurnPlan first = new(Ms(500), [new PlannedCall(Ms(100), Ms(1000))]);
        TurnPlan second = new(Ms(300), []);

        Assert.Equal(Ms(1100 + 300), LowerBound.Of([first, second]));
    }

    [Fact]
    public void ParallelAfterDecode_DependencyChain_AddsTheLongestChainAfterDecode()
    {
        // After decode at 750: a 300, then b 250, then c 100 (a chain of 650); d alone 500.
        var turn = new TurnPlan(Ms(750),
        [
            new PlannedCall(Ms(100), Ms(300)),
            new PlannedCall(Ms(200), Ms(250)) { DependsOn = [0] },
            new PlannedCall(Ms(700), Ms(100)) { DependsOn = [1] },
            new PlannedCall(Ms(710), Ms(500)),
        ]);

        Assert.Equal(Ms(750 + 650), LowerBound.ParallelAfterDecode([turn]));
        Assert.Equal(Ms(750 + 300 + 250 + 100 + 500), LowerBound.SequentialAfterDecode([turn]));
    }

    [Fact]
    public void EarliestFinishes_DependencyOnALaterCall_Throws()
    {
        var turn = new TurnPlan(Ms(100), [new PlannedCall(Ms(10), Ms(10)) { DependsOn = [1] }, new PlannedCall(Ms(20), Ms(10))]);

        Assert.Throws<ArgumentException>(() => LowerBound.EarliestFinishes(turn));
    }
}
