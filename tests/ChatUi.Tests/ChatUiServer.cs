using Microsoft.AspNetCore.Builder;

namespace ToolFlow.Samples.ChatUi.Tests;

/// <summary>The sample app on 127.0.0.1 at a free port, with the test's scenarios first in its picker.</summary>
internal sealed class ChatUiServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ChatUiServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public static Task<ChatUiServer> StartAsync(params ChatScenario[] scenarios) => StartAsync(scenarios, null);

    public static Task<ChatUiServer> StartAsync(ChatScenario[] scenarios, Action<ChatUiOptions>? configure) => StartAsync([], scenarios, configure);

    public static Task<ChatUiServer> StartWithArgumentsAsync(string[] args, Action<ChatUiOptions> configure) => StartAsync(args, [], configure);

    private static async Task<ChatUiServer> StartAsync(string[] args, ChatScenario[] scenarios, Action<ChatUiOptions>? configure)
    {
        WebApplication app = await ChatUiApp.CreateAsync(args, o =>
        {
            o.Port = 0;
            // A test's scenario replaces the sample's one of the same name.
            foreach (ChatScenario taken in o.Scenarios.Where(s => scenarios.Any(t => t.Name == s.Name)).ToList())
            {
                o.Scenarios.Remove(taken);
            }

            for (int i = 0; i < scenarios.Length; i++)
            {
                o.Scenarios.Insert(i, scenarios[i]);
            }

            o.DefaultScenario = scenarios.Length > 0 ? scenarios[0].Name : null;
            configure?.Invoke(o);
        });
        await app.StartAsync();
        return new ChatUiServer(app, ChatUiApp.AddressOf(app));
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
