using static ToolFlow.Blocks.Tests.Events;

namespace ToolFlow.Blocks.Tests;

/// <summary>The gate's dedup table: a set of entries looked up by their arguments' hash.</summary>
public sealed class ArgumentsHashComparerTests
{
    [Fact]
    public void AlternateLookup_ByHash_FindsTheEntryAndRemovesIt()
    {
        var table = new HashSet<CallState>(ArgumentsHashComparer.Instance);
        HashSet<CallState>.AlternateLookup<ulong> byHash = table.GetAlternateLookup<ulong>();
        var first = new CallState(Call(0, "search", "{}")) { ArgumentsHash = 0xF00D };
        var second = new CallState(Call(1, "search", "{}")) { ArgumentsHash = ulong.MaxValue };
        table.Add(first);
        table.Add(second);

        Assert.True(byHash.TryGetValue(0xF00D, out CallState? found));
        Assert.Same(first, found);
        Assert.False(byHash.TryGetValue(1, out _));
        Assert.True(byHash.Remove(ulong.MaxValue));
        Assert.Same(first, Assert.Single(table));
    }

    [Fact]
    public void Add_SameHash_KeepsTheFirst()
    {
        var table = new HashSet<CallState>(ArgumentsHashComparer.Instance);
        var first = new CallState(Call(0, "search", "{}")) { ArgumentsHash = 42 };

        Assert.True(table.Add(first));
        Assert.False(table.Add(new CallState(Call(1, "search", "{}")) { ArgumentsHash = 42 }));
        Assert.Same(first, Assert.Single(table));
        Assert.Throws<NotSupportedException>(() => ArgumentsHashComparer.Instance.Create(42));
    }
}
