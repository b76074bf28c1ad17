using System.Text.Json;
using static ToolFlow.StreamParsers.SchemaValueConverter;

namespace ToolFlow.StreamParsers.Tests;

public sealed class ParameterTypeCacheTests
{
    private static readonly JsonElement s_weather = JsonElement.Parse("""{"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}}}""");
    private static readonly JsonElement s_flights = JsonElement.Parse("""{"anyOf": [{"properties": {"days": {"type": "boolean"}}}]}""");

    [Fact]
    public void Of_SameNameInTwoTools_EachToolsOwnType()
    {
        var cache = default(ParameterTypeCache);

        // Asked twice each, so the second answer comes from the cache.
        for (int round = 0; round < 2; round++)
        {
            Assert.Equal(SchemaTypes.Integer, cache.Of("weather", s_weather, "days"));
            Assert.Equal(SchemaTypes.Boolean, cache.Of("flights", s_flights, "days"));
            Assert.Equal(SchemaTypes.String, cache.Of("weather", s_weather, "city"));
            Assert.Equal(SchemaTypes.Any, cache.Of("weather", s_weather, "unknown"));
        }
    }

    [Fact]
    public void Of_EqualNameInAnotherString_SameType()
    {
        var cache = default(ParameterTypeCache);
        Assert.Equal(SchemaTypes.Integer, cache.Of("weather", s_weather, "days"));

        // Compared as references, a copy of a name misses the cache and is read from the schema.
        Assert.Equal(SchemaTypes.Integer, cache.Of(new string("weather"), s_weather, new string("days")));
        Assert.Equal(SchemaTypes.String, cache.Of(new string("weather"), s_weather, new string("city")));
    }

    [Fact]
    public void Of_NoSchema_Any()
    {
        var cache = default(ParameterTypeCache);

        Assert.Equal(SchemaTypes.Any, cache.Of("weather", null, "days"));
    }

    [Fact]
    public void Of_MoreNamesThanItKeeps_SameAnswersAsTheSchema()
    {
        var cache = default(ParameterTypeCache);

        // Past the cache's size it reads the schema each time; the answers do not change.
        for (int i = 0; i < 200; i++)
        {
            Assert.Equal(SchemaTypes.Any, cache.Of("weather", s_weather, "p" + i));
        }

        Assert.Equal(SchemaTypes.Integer, cache.Of("weather", s_weather, "days"));
        Assert.Equal(TypesOf(PropertySchema(s_weather, "city")), cache.Of("weather", s_weather, "city"));
    }
}
