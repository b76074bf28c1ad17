using static ToolFlow.Blocks.Tests.Events;

namespace ToolFlow.Blocks.Tests;

/// <summary>The gate's call table: a set of entries looked up by call id.</summary>
public sealed class CallIdComparerTests
{
    [Fact]
    public void AlternateLookup_ById_FindsTheEntryAndRemovesIt()
    {
        var calls = new HashSet<CallState>(CallIdComparer.Instance);
        HashSet<CallState>.AlternateLookup<string> byId = calls.GetAlternateLookup<string>();
        var first = new CallState(Call(0, "search", "{}"));
        var second = new CallState(Call(1, "search", "{}"));
        calls.Add(first);
        calls.Add(second);

        Assert.True(byId.TryGetValue("call_1_1", out CallState? found));
        Assert.Same(second, found);
        Assert.False(byId.TryGetValue("call_1_9", out _));
        Assert.True(byId.Remove("call_1_0"));
        Assert.Same(second, Assert.Single(calls));
    }

    [Fact]
    public void Add_SameIdAfterRemovingTheFirst_TakesItsPlaceInOrder()
    {
        // The gate's way with a reused id: out, then in, so the new call is found by it and enumerated where the old was.
        var calls = new HashSet<CallState>(CallIdComparer.Instance);
        HashSet<CallState>.AlternateLookup<string> byId = calls.GetAlternateLookup<string>();
        CallState a = new(Call(0, "search", "{}")), b = new(Call(1, "search", "{}")), again = new(Call(0, "read", "{}"));
        calls.Add(a);
        calls.Add(b);

        byId.Remove(again.Call.CallId);
        calls.Add(again);

        Assert.Equal([again, b], calls);
        Assert.True(byId.TryGetValue("call_1_0", out CallState? found));
        Assert.Same(again, found);
    }

    [Fact]
    public void Equals_EntriesOfTheSameId_AreEqual()
    {
        Assert.True(CallIdComparer.Instance.Equals(new CallState(Call(0, "a", "{}")), new CallState(Call(0, "b", "{}"))));
        Assert.False(CallIdComparer.Instance.Equals(new CallState(Call(0, "a", "{}")), new CallState(Call(1, "a", "{}"))));
        Assert.Throws<NotSupportedException>(() => CallIdComparer.Instance.Create("call_1_0"));
    }
}
