using ToolFlow.Testing;

namespace ToolFlow.Profiling.Tests;

public sealed class AcceleratedTimeProviderTests
{
    [Fact]
    public void Change_TimerReArmed_FallsDueOnTheAcceleratedClock()
    {
        var inner = new ManualTimeProvider();
        var clock = new AcceleratedTimeProvider(inner, 10);
        int fired = 0;
        using ITimer timer = clock.CreateTimer(_ => fired++, null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

        // 1,000 ms on the accelerated clock is 100 ms on the inner one, whether set at creation or by Change.
        timer.Change(TimeSpan.FromMilliseconds(1000), Timeout.InfiniteTimeSpan);
        inner.Advance(TimeSpan.FromMilliseconds(99));
        Assert.Equal(0, fired);
        inner.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, fired);
    }
}
