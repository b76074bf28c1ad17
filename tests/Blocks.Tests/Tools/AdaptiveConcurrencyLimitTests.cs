using Microsoft.Extensions.AI;

namespace ToolFlow.Blocks.Tests;

/// <summary>The options of <see cref="AdaptiveConcurrencyLimit"/> and <see cref="ToolDescriptor.MaxRateLimitRetries"/>: every bound named and checked.</summary>
public sealed class AdaptiveConcurrencyLimitTests
{
    private static AIFunction Tool() => AIFunctionFactory.Create(() => "ok", "t");

    [Fact]
    public void Defaults_AreDocumented()
    {
        var limit = new AdaptiveConcurrencyLimit();
        Assert.Equal((4, 1, 256, 0.75, 2d, 100), (limit.InitialLimit, limit.MinLimit, limit.MaxLimit, limit.BackoffRatio, limit.LatencyTolerance, limit.LatencyWindow));
        Assert.Equal(ToolDescriptor.DefaultMaxRateLimitRetries, new ToolDescriptor(Tool()).MaxRateLimitRetries);
    }

    [Fact]
    public void Setters_OutOfRange_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdaptiveConcurrencyLimit { InitialLimit = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdaptiveConcurrencyLimit { MinLimit = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdaptiveConcurrencyLimit { MaxLimit = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdaptiveConcurrencyLimit { BackoffRatio = 1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdaptiveConcurrencyLimit { BackoffRatio = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdaptiveConcurrencyLimit { LatencyTolerance = 0.5 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdaptiveConcurrencyLimit { LatencyWindow = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ToolDescriptor(Tool()) { MaxRateLimitRetries = -1 });
    }

    [Fact]
    public void AdaptiveConcurrency_BoundsOutOfOrder_ThrowsNamingThem()
    {
        ArgumentException minAboveMax = Assert.Throws<ArgumentException>(() => new ToolDescriptor(Tool()) { AdaptiveConcurrency = new() { MinLimit = 8, MaxLimit = 4, InitialLimit = 4 } });
        Assert.Contains("MinLimit (8) is above its MaxLimit (4)", minAboveMax.Message, StringComparison.Ordinal);
        ArgumentException initialOutside = Assert.Throws<ArgumentException>(() => new ToolDescriptor(Tool()) { AdaptiveConcurrency = new() { InitialLimit = 10, MaxLimit = 8 } });
        Assert.Contains("InitialLimit (10) is outside [1, 8]", initialOutside.Message, StringComparison.Ordinal);
    }
}
