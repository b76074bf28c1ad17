using System.Net;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.AI;
using ToolFlow.AspNetCore;
using ToolFlow.Orleans;
using ToolFlow.Pipeline;
using ToolFlow.Profiling;

namespace ToolFlow.Samples.ChatUi;

/// <summary>
/// The chat app: one page (wwwroot) over ToolFlow.AspNetCore's chat endpoints at <c>/chat</c>, on Kestrel at
/// 127.0.0.1. Each new browser is signed in as a user of its own (a cookie), and the chat endpoints require one.
/// </summary>
public static class ChatUiApp
{
    /// <summary>The chat endpoints' prefix.</summary>
    public const string ChatPrefix = "/chat";

    /// <summary>The cookie that carries a browser's user id.</summary>
    public const string UserCookie = "toolflow-chat-user";

    /// <summary>Builds the app from command-line arguments and runs it until it is stopped (Ctrl+C).</summary>
    /// <param name="args">The arguments (see <see cref="ChatUiArguments"/>).</param>
    /// <returns>The exit code: 0, 1 when a cluster or node failed, or 2 for bad arguments.</returns>
    public static Task<int> RunAsync(string[] args) => RunAsync(args, configure: null);

    /// <summary>Runs the app, a cluster (<c>--cluster N</c>) or one node of it (<c>--node</c>) until it is stopped (Ctrl+C).</summary>
    /// <param name="args">The arguments (see <see cref="ChatUiArguments"/>).</param>
    /// <param name="configure">Changes the options after the arguments and the defaults are applied (a node host adds its scenarios and tools).</param>
    /// <returns>The exit code: 0, 1 when a cluster or node failed, or 2 for bad arguments.</returns>
    public static async Task<int> RunAsync(string[] args, Action<ChatUiOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(args);
        try
        {
            ChatUiArguments arguments = ChatUiArguments.Parse(args);
            if (arguments.ClusterNodes is int nodes)
            {
                return await ClusterCommand.RunAsync(arguments, nodes, args).ConfigureAwait(false);
            }

            if (arguments.Node is { } node && !node.Roles.HasFlag(ChatUiNodeRoles.Front))
            {
                return await RunWorkerAsync(node, await PrepareAsync(arguments, configure, default).ConfigureAwait(false)).ConfigureAwait(false);
            }
        }
        catch (ChatUiArgumentException e)
        {
            await Console.Error.WriteLineAsync($"chatui: {e.Message}").ConfigureAwait(false);
            return 2;
        }

        WebApplication app;
        try
        {
            app = await CreateAsync(args, configure).ConfigureAwait(false);
        }
        catch (ChatUiArgumentException e)
        {
            await Console.Error.WriteLineAsync($"chatui: {e.Message}").ConfigureAwait(false);
            return 2;
        }

        await using (app.ConfigureAwait(false))
        {
            ChatUiNodeArguments? node = app.Services.GetRequiredService<ChatUiOptions>().Node;
            try
            {
                await app.StartAsync().ConfigureAwait(false);
            }
            catch (IOException e)
            {
                await Console.Error.WriteLineAsync($"chatui: could not listen: {e.Message} (is the port taken? choose another with --port)").ConfigureAwait(false);
                return 1;
            }

            if (node is null)
            {
                Console.WriteLine($"ToolFlow chat UI on {AddressOf(app)} (Ctrl+C to stop)");
            }
            else
            {
                Console.WriteLine($"{ChatUiNodeArguments.ReadyLine} silo=127.0.0.1:{node.SiloPort} chat={AddressOf(app)}");
                if (node.Attached)
                {
                    ChatUiNode.StopWhenInputCloses(app.Lifetime);
                }
            }

            await app.WaitForShutdownAsync().ConfigureAwait(false);
        }

        return 0;
    }

    /// <summary>
    /// Builds the app, not started: the tests start it on port 0 with scenarios of their own.
    /// </summary>
    /// <param name="args">The command line: <c>[--port N] [--endpoint URL --model NAME [--api-key K] [--mcp "CMD"]...]</c>.</param>
    /// <param name="configure">Changes the options after the arguments and the default scenarios are applied.</param>
    /// <param name="cancellationToken">Cancels starting MCP servers.</param>
    /// <returns>The app; dispose it to stop it.</returns>
    /// <exception cref="ChatUiArgumentException">The arguments are not valid.</exception>
    public static async Task<WebApplication> CreateAsync(string[] args, Action<ChatUiOptions>? configure = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ChatUiArguments arguments = ChatUiArguments.Parse(args);
        (ChatUiOptions options, EndpointModel? endpoint) = await PrepareAsync(arguments, configure, cancellationToken).ConfigureAwait(false);
        Dictionary<string, ChatScenario> scenarios = options.Scenarios.ToDictionary(s => s.Name, StringComparer.Ordinal);
        string defaultScenario = options.DefaultScenario ?? options.Scenarios.FirstOrDefault()?.Name
            ?? throw new ChatUiArgumentException("There is no scenario to offer.");
        if (!scenarios.ContainsKey(defaultScenario))
        {
            throw new ChatUiArgumentException($"The default scenario '{defaultScenario}' is not among the scenarios.");
        }

        // One factory for both hosts of a conversation: this app's hubs, or (on a cluster) the conversation's grain.
        ToolPipeline pipelineFor(ToolPipelineChatContext context)
        {
            ExecutionStrategy mode = ModeOf(context.Settings);
            string name = context.Settings.TryGetValue("scenario", out string? s) && !string.IsNullOrEmpty(s) ? s : defaultScenario;
            if (!scenarios.TryGetValue(name, out ChatScenario? scenario))
            {
                throw new ArgumentException($"There is no scenario '{name}'. Choose one of: {string.Join(", ", scenarios.Keys)}.");
            }

            var turn = new ChatScenarioTurn(mode, options.TimeProvider, context);
            if (options.Node is null)
            {
                return scenario.CreateBuilder(turn).Build();
            }

            // The conversation's calls go to worker nodes, keyed by the conversation so no two share a grain; its
            // ledger (in grain storage) lets a turn cut short by a lost node resume without running finished calls again.
            IGrainFactory grains = context.RequestServices.GetRequiredService<IGrainFactory>();
            turn = turn with { Place = tool => new RemoteToolFunction(tool, grains, context.ConversationId) };
            ToolPipelineBuilder pipeline = scenario.CreateBuilder(turn);
            return (context.Ledger is { } ledger ? pipeline.WithLedger(ledger) : pipeline).Build();
        }

        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
            WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot"),
        });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, options.Port));
        builder.Services.AddSingleton(options);
        if (options.Node is { } node)
        {
            ChatUiNode.QuietLogs(builder.Logging);
            builder.UseOrleans(silo =>
            {
                ChatUiNode.ConfigureSilo(silo, node, [.. options.WorkerTools]);
                silo.AddToolFlowConversations(pipelineFor);
            });
            await ChatUiNode.ShareCookieKeysAsync(builder.Services, node, cancellationToken).ConfigureAwait(false);
        }
        if (endpoint is not null)
        {
            // Made by a factory, so the container disposes it (and the MCP servers) when the app stops.
            builder.Services.AddSingleton(_ => endpoint);
        }

        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(c =>
            {
                c.Cookie.Name = UserCookie;
                c.Cookie.HttpOnly = true;
                c.Cookie.SameSite = SameSiteMode.Strict;
                c.ExpireTimeSpan = TimeSpan.FromDays(30);
                c.SlidingExpiration = true;

                // An API caller with no user gets a status, not a redirect to a login page that does not exist.
                c.Events.OnRedirectToLogin = static context =>
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    return Task.CompletedTask;
                };
                c.Events.OnRedirectToAccessDenied = static context =>
                {
                    context.Response.StatusCode = StatusCodes.Status403Forbidden;
                    return Task.CompletedTask;
                };
            });
        builder.Services.AddAuthorization();
        void chatOptions(ToolPipelineChatOptions o)
        {
            o.TimeProvider = options.TimeProvider;
            options.ConfigureChat?.Invoke(o);
        }

        // On a cluster the endpoints reach each conversation's grain, wherever it lives.
        _ = options.Node is null ? builder.Services.AddToolPipelineChat(chatOptions) : builder.Services.AddToolPipelineChatOnOrleans(chatOptions);

        WebApplication app = builder.Build();
        if (endpoint is not null)
        {
            _ = app.Services.GetRequiredService<EndpointModel>();
        }

        app.UseAuthentication();
        app.Use(SignInNewBrowserAsync);
        options.ConfigureApp?.Invoke(app);
        app.UseAuthorization();
        app.UseWhen(
            static context => HttpMethods.IsPost(context.Request.Method) && context.Request.Path.Equals($"{ChatPrefix}/conversations", StringComparison.Ordinal),
            branch => branch.Use((context, next) => CheckSettingsAsync(context, next, scenarios.Keys)));
        app.UseDefaultFiles();
        app.UseStaticFiles();

        app.MapGet("/api/config", (HttpContext context) => TypedResults.Ok(new
        {
            user = context.User.FindFirstValue(ClaimTypes.NameIdentifier),
            chat = ChatPrefix,
            defaultScenario,
            scenarios = options.Scenarios.Select(s => new { name = s.Name, title = s.Title, prompt = s.Prompt }),
            modes = new[] { "await", "futures" },
        })).RequireAuthorization();

        RouteGroupBuilder chat = app.MapToolPipelineChat(ChatPrefix, pipelineFor);
        chat.RequireAuthorization();
        return app;
    }

    // The options from the arguments, the defaults and the callback, checked; shared by the app and a worker node.
    private static async Task<(ChatUiOptions Options, EndpointModel? Endpoint)> PrepareAsync(ChatUiArguments arguments, Action<ChatUiOptions>? configure, CancellationToken cancellationToken)
    {
        var options = new ChatUiOptions { Node = arguments.Node };
        if (arguments.Port is int port)
        {
            options.Port = port;
        }

        EndpointModel? endpoint = arguments.Endpoint is null ? null : await EndpointModel.StartAsync(arguments, cancellationToken).ConfigureAwait(false);
        if (endpoint is not null)
        {
            options.Scenarios.Add(endpoint.Scenario);
        }

        options.Scenarios.Add(SampleScenarios.Travel());
        options.Scenarios.Add(SampleScenarios.Approvals());
        options.Scenarios.Add(SampleScenarios.LongTask());
        foreach (ChatScenario scenario in SampleScenarios.Shipped(Path.Combine(AppContext.BaseDirectory, "scenarios")))
        {
            options.Scenarios.Add(scenario);
        }

        foreach (AIFunction tool in DemoScenario.CreateTools(options.TimeProvider))
        {
            options.WorkerTools.Add(tool);
        }

        configure?.Invoke(options);
        if (options.Scenarios.GroupBy(s => s.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new ChatUiArgumentException($"Two scenarios are named '{twice.Key}'; each needs a name of its own.");
        }

        if (options.WorkerTools.GroupBy(t => t.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twiceTool)
        {
            throw new ChatUiArgumentException($"Two worker tools are named '{twiceTool.Key}'; a worker finds a tool by its name.");
        }

        return (options, endpoint);
    }

    // A node that only runs tools: a silo without HTTP.
    private static async Task<int> RunWorkerAsync(ChatUiNodeArguments node, (ChatUiOptions Options, EndpointModel? Endpoint) prepared)
    {
        if (prepared.Endpoint is not null)
        {
            await prepared.Endpoint.DisposeAsync().ConfigureAwait(false);
        }

        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = AppContext.BaseDirectory });
        ChatUiNode.QuietLogs(builder.Logging);
        builder.UseOrleans(silo => ChatUiNode.ConfigureSilo(silo, node, [.. prepared.Options.WorkerTools]));
        using IHost host = builder.Build();
        await host.StartAsync().ConfigureAwait(false);
        Console.WriteLine($"{ChatUiNodeArguments.ReadyLine} silo=127.0.0.1:{node.SiloPort} chat=-");
        if (node.Attached)
        {
            ChatUiNode.StopWhenInputCloses(host.Services.GetRequiredService<IHostApplicationLifetime>());
        }

        await host.WaitForShutdownAsync().ConfigureAwait(false);
        return 0;
    }

    /// <summary>The address the app listens on, once started.</summary>
    /// <param name="app">The started app.</param>
    /// <returns>The address, such as <c>http://127.0.0.1:5080</c>.</returns>
    public static Uri AddressOf(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Uri(address);
    }

    private static ExecutionStrategy ModeOf(IReadOnlyDictionary<string, string> settings)
    {
        if (!settings.TryGetValue("mode", out string? mode) || string.IsNullOrEmpty(mode))
        {
            return ExecutionStrategy.Await;
        }

        return mode switch
        {
            "await" => ExecutionStrategy.Await,
            "futures" => ExecutionStrategy.Futures,
            _ => throw new ArgumentException($"The mode '{mode}' is not one of: await, futures."),
        };
    }

    // The library keeps settings as opaque strings; the sample knows which it understands, so a mode or scenario it
    // does not know is refused here (400 invalid_settings, nothing created) rather than failing the first turn.
    private static async Task CheckSettingsAsync(HttpContext context, RequestDelegate next, IEnumerable<string> scenarios)
    {
        // Only a body of known length within the library's limit is read here; the library refuses the others itself.
        long limit = context.RequestServices.GetRequiredService<IOptions<ToolPipelineChatOptions>>().Value.MaxRequestBodyBytes;
        if (context.Request.ContentLength is not { } length || length > limit)
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        context.Request.EnableBuffering();
        string? problem = null;
        try
        {
            using JsonDocument body = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted).ConfigureAwait(false);
            if (body.RootElement.ValueKind == JsonValueKind.Object && body.RootElement.TryGetProperty("settings", out JsonElement settings) && settings.ValueKind == JsonValueKind.Object)
            {
                if (settings.TryGetProperty("mode", out JsonElement mode) && mode.ValueKind == JsonValueKind.String && mode.GetString() is not ("await" or "futures" or ""))
                {
                    problem = $"The mode '{mode.GetString()}' is not one of: await, futures.";
                }
                else if (settings.TryGetProperty("scenario", out JsonElement scenario) && scenario.ValueKind == JsonValueKind.String
                    && scenario.GetString() is { Length: > 0 } name && !scenarios.Contains(name, StringComparer.Ordinal))
                {
                    problem = $"There is no scenario '{name}'. Choose one of: {string.Join(", ", scenarios)}.";
                }
            }
        }
        catch (JsonException)
        {
            // Malformed JSON is the library's to report (invalid_body).
        }

        if (problem is not null)
        {
            await Results.Problem(
                detail: problem,
                statusCode: StatusCodes.Status400BadRequest,
                title: "The conversation's settings are not valid.",
                extensions: new Dictionary<string, object?> { ["code"] = "invalid_settings" }).ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        context.Request.Body.Position = 0;
        await next(context).ConfigureAwait(false);
    }

    // The page's first visit signs the browser in as a new user: two browsers (or browser contexts) are two users.
    private static async Task SignInNewBrowserAsync(HttpContext context, RequestDelegate next)
    {
        if (context.User.Identity?.IsAuthenticated != true && context.Request.Path.Value is "/" or "/index.html" && HttpMethods.IsGet(context.Request.Method))
        {
            var identity = new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, Guid.NewGuid().ToString("N"))], CookieAuthenticationDefaults.AuthenticationScheme);
            var user = new ClaimsPrincipal(identity);
            await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, user).ConfigureAwait(false);
            context.User = user;
        }

        await next(context).ConfigureAwait(false);
    }
}
