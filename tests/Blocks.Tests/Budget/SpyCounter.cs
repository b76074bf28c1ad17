namespace ToolFlow.Blocks.Tests;

/// <summary>A counter that counts how often it is asked, over the real one.</summary>
internal sealed class SpyCounter(ITokenCounter inner) : ITokenCounter
{
    private int _counts;

    public int Counts => Volatile.Read(ref _counts);

    public string Name => inner.Name;

    public int CountTokens(ReadOnlySpan<char> text)
    {
        Interlocked.Increment(ref _counts);
        return inner.CountTokens(text);
    }

    public IReadOnlyList<int> SplitTokens(string text) => inner.SplitTokens(text);
}
