namespace ToolFlow.StreamParsers.Tests;

public sealed class NameTableTests
{
    [Fact]
    public void Get_NameReadAgain_SameString()
    {
        var names = default(NameTable);

        string first = names.Get("get_weather".AsSpan());
        string second = names.Get("xget_weatherx".AsSpan(1, 11));

        Assert.Equal("get_weather", first);
        Assert.Same(first, second);
    }

    [Fact]
    public void Get_DifferentNames_EachItsOwn()
    {
        var names = default(NameTable);

        Assert.Equal("a", names.Get("a"));
        Assert.Equal("b", names.Get("b"));
        Assert.Equal(string.Empty, names.Get(ReadOnlySpan<char>.Empty));
    }

    [Fact]
    public void Get_MoreNamesThanItKeeps_StillEqualStrings()
    {
        var names = default(NameTable);

        // Past the table's size a name is a new string each time, still with the right characters.
        for (int i = 0; i < 200; i++)
        {
            Assert.Equal("name" + i, names.Get(("name" + i).AsSpan()));
        }

        Assert.Equal("name150", names.Get("name150"));
        Assert.Same(names.Get("name1"), names.Get("name1"));
    }
}
