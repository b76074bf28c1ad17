using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ToolFlow.Pipeline;

namespace ToolFlow.AspNetCore.Tests;

/// <summary>
/// The chat endpoints on Kestrel at http://127.0.0.1:0, with a header-based test user, and an HttpClient per user.
/// </summary>
internal sealed class ChatTestHost : IAsyncDisposable
{
    public const string Policy = "chatters";

    private readonly WebApplication _app;
    private readonly List<HttpClient> _clients = [];

    private ChatTestHost(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<ChatTestHost> StartAsync(
        Func<ToolPipelineChatContext, ToolPipeline> pipelineFactory,
        Action<ToolPipelineChatOptions>? configure = null,
        Action<IServiceCollection>? services = null,
        Action<RouteGroupBuilder>? conventions = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddAuthentication(TestAuthHandler.SchemeName).AddScheme<AuthenticationSchemeOptions, TestAuthHandler>(TestAuthHandler.SchemeName, null);
        builder.Services.AddAuthorizationBuilder().AddPolicy(Policy, p => p.RequireRole("chat"));
        builder.Services.AddProblemDetails();
        builder.Services.AddToolPipelineChat(configure);
        services?.Invoke(builder.Services);
        WebApplication app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        RouteGroupBuilder group = app.MapToolPipelineChat("/chat", pipelineFactory);
        conventions?.Invoke(group);
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ChatTestHost(app, new Uri(address.TrimEnd('/') + "/"));
    }

    /// <summary>A client that is <paramref name="user"/> (with <paramref name="roles"/>), or nobody.</summary>
    public HttpClient Client(string? user = "alice", string roles = "chat")
    {
        // An SSE response never ends by itself: a closed one is dropped, not drained for reuse.
        var client = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        if (user is not null)
        {
            client.DefaultRequestHeaders.Add("X-User", user);
            client.DefaultRequestHeaders.Add("X-Roles", roles);
        }

        _clients.Add(client);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (HttpClient client in _clients)
        {
            client.Dispose();
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>The routes as a test calls them.</summary>
internal static class ChatRoutes
{
    public static async Task<string> CreateAsync(this HttpClient client, string message, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? settings = null)
    {
        using HttpResponseMessage response = await client.PostAsJsonAsync("chat/conversations", new { message, settings }, cancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        string id = body.RootElement.GetProperty("id").GetString()!;
        Assert.Equal($"/chat/conversations/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal($"/chat/conversations/{id}/events", body.RootElement.GetProperty("events").GetString());
        return id;
    }

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string path, string json, CancellationToken cancellationToken) =>
        client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"), cancellationToken);

    public static async Task<JsonElement> GetJsonAsync(this HttpClient client, string path, CancellationToken cancellationToken)
    {
        using HttpResponseMessage response = await client.GetAsync(path, cancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken)).RootElement.Clone();
    }

    /// <summary>Asserts a problem response: its status, its <c>code</c> and the problem+json media type.</summary>
    public static async Task AssertProblemAsync(this HttpResponseMessage response, int status, string code)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status} {code}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using JsonDocument problem = JsonDocument.Parse(body);
        Assert.Equal(code, problem.RootElement.GetProperty("code").GetString());
        Assert.Equal(status, problem.RootElement.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.RootElement.GetProperty("title").GetString()));
    }
}

/// <summary>Reaching into the host's services.</summary>
internal static class ChatTestHostExtensions
{
    public static IToolPipelineChatStore Store(this ChatTestHost host) => host.Services.GetRequiredService<IToolPipelineChatStore>();
}
