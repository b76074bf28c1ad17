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

    [Theory]
    [InlineData("https://api.openai.com/v1")]
    [InlineData("https://openai.com/v1")]
    [InlineData("https://eu.api.openai.com/v1")]
    [InlineData("https://API.OpenAI.COM/v1")]
    [InlineData("https://api.openai.com:443/v1")]
    [InlineData("https://name.openai.azure.com/openai/v1/")]
    [InlineData("https://NAME.OPENAI.AZURE.COM/openai/v1/")]
    [InlineData("https://name.cognitiveservices.azure.com/openai/v1/")]
    public void IsOpenAIKeyHost_OpenAIsOrAzuresOwnHostOverHttps_True(string address)
    {
        Assert.True(OpenAIEndpoint.IsOpenAIKeyHost(new Uri(address)));
    }

    [Theory]
    [InlineData("https://notopenai.com/v1")] // a suffix, not a subdomain
    [InlineData("https://api.notopenai.com/v1")]
    [InlineData("https://openai.com.evil.example/v1")] // the name as a prefix
    [InlineData("https://api.openai.com.evil.example/v1")]
    [InlineData("https://evilopenai.azure.com/v1")]
    [InlineData("https://openai.azure.com/v1")] // the Azure suffixes need a resource name before them
    [InlineData("https://cognitiveservices.azure.com/v1")]
    [InlineData("https://name.azure.com/v1")] // any azure.com host used to get it
    [InlineData("https://xcognitiveservices.azure.com/v1")]
    [InlineData("http://api.openai.com/v1")] // plain http
    [InlineData("http://name.openai.azure.com/v1")]
    [InlineData("https://user@api.openai.com/v1")] // user info
    [InlineData("https://api.openai.com@evil.example/v1")] // the real host is after the @
    [InlineData("https://api.openai.com:x@evil.example/v1")]
    [InlineData("https://evil.example\\@api.openai.com/v1")] // not an address System.Uri reads
    [InlineData("https://evil.example#@api.openai.com/v1")]
    [InlineData("https://api.openai.com./v1")] // trailing dot
    [InlineData("https://name.openai.azure.com./v1")]
    [InlineData("https://104.18.6.192/v1")] // IP addresses
    [InlineData("https://[2606:4700::6812:6c0]/v1")]
    [InlineData("https://127.0.0.1/v1")]
    [InlineData("https://localhost/v1")]
    [InlineData("https://api.\u043Epenai.com/v1")] // Cyrillic o: xn--penai-..., not openai
    [InlineData("https://xn--penai-73d.com/v1")]
    public void IsOpenAIKeyHost_AnyOtherHostOrScheme_False(string address)
    {
        // An address System.Uri cannot read (the backslash case) is no host at all, so no key either.
        Assert.False(Uri.TryCreate(address, UriKind.Absolute, out Uri? uri) && OpenAIEndpoint.IsOpenAIKeyHost(uri));
        Assert.Null(OpenAIEndpoint.DefaultApiKey(address));
    }

    [Theory]
    [InlineData("https://example.com/v1", true)]
    [InlineData("http://localhost:8000/v1", true)]
    [InlineData("http://127.0.0.1:8000/v1", true)]
    [InlineData("http://[::1]:8000/v1", true)]
    [InlineData("http://example.com/v1", false)]
    [InlineData("http://10.0.0.5:8000/v1", false)]
    [InlineData("http://localhost.example.com/v1", false)]
    public void CanCarryKey_HttpsOrLoopback_True(string address, bool expected)
    {
        Assert.Equal(expected, OpenAIEndpoint.CanCarryKey(new Uri(address)));
    }
}
