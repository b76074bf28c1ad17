namespace ToolFlow.Providers.OpenAI.Tests;

public sealed class OpenAIEndpointTests
{
    [Theory]
    [InlineData("http://localhost:8000", "http://localhost:8000/v1")]
    [InlineData("http://localhost:8000/", "http://localhost:8000/v1")]
    [InlineData("http://localhost:11434/v1", "http://localhost:11434/v1")]
    [InlineData("https://name.openai.azure.com/openai/v1/", "https://name.openai.azure.com/openai/v1/")]
    public void TryNormalize_Address_AddsV1OnlyWhenThereIsNoPath(string text, string expected)
    {
        Assert.True(OpenAIEndpoint.TryNormalize(text, out Uri? endpoint));
        Assert.Equal(new Uri(expected), endpoint);
    }

    [Theory]
    [InlineData("localhost:8000")]
    [InlineData("ftp://localhost/v1")]
    [InlineData("not an address")]
    public void TryNormalize_NotHttp_False(string text)
    {
        Assert.False(OpenAIEndpoint.TryNormalize(text, out Uri? endpoint));
        Assert.Null(endpoint);
    }

    [Fact]
    public void DefaultApiKey_LocalServer_None()
    {
        Assert.Null(OpenAIEndpoint.DefaultApiKey("http://localhost:8000/v1"));
    }
}
