namespace ToolFlow.Blocks.Tests;

public sealed class TurnSharesTests
{
    [Fact]
    public void Split_SmallResultsStayWholeTheRestShareEqually()
    {
        // 4,000 for three: 100 fits a third, so it stays; 3,000 and 5,000 share the 3,900 left.
        Assert.Equal([100, 1_950, 1_950], TurnShares.Split([100, 3_000, 5_000], [true, true, true], 4_000));
    }

    [Fact]
    public void Split_FixedResultsCountFirstAndTheRemainderGoesToTheEarliest()
    {
        // The error (50) is fixed; 3,951 left for two over it: 1,976 to the earlier, 1,975 to the later.
        Assert.Equal([1_976, 50, 1_975], TurnShares.Split([5_000, 50, 4_000], [true, false, true], 4_001));
    }

    [Fact]
    public void Split_UnderBudget_EveryResultWhole()
    {
        Assert.Equal([10, 20, 30], TurnShares.Split([10, 20, 30], [true, true, true], 4_000));
    }

    [Fact]
    public void Split_ManyLargeResults_NoShareBelowTheMinimum()
    {
        int[] shares = TurnShares.Split([1_000, 1_000, 1_000], [true, true, true], 300);
        Assert.All(shares, s => Assert.Equal(ToolResultMergeBlockOptions.MinimumResultTokens, s));
    }
}
