using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ToolFlow.AspNetCore;

namespace ToolFlow.ChatLoad;

/// <summary>
/// The server under load: ToolFlow.AspNetCore on Kestrel at http://127.0.0.1 (a free port), with the
/// <see cref="LoadScenario"/> behind <c>/chat</c>, in this process so its memory can be read.
/// </summary>
public sealed class ChatLoadServer : IAsyncDisposable
{
    /// <summary>The prefix the chat endpoints are mapped at.</summary>
    public const string Prefix = "/chat";

    private readonly WebApplication _app;

    private ChatLoadServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>The server's base address.</summary>
    public Uri Address { get; }

    /// <summary>Starts a server.</summary>
    /// <param name="options">The run's options.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running server.</returns>
    public static async Task<ChatLoadServer> StartAsync(ChatLoadOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0);
            kestrel.Limits.MaxConcurrentConnections = null;
            kestrel.Limits.MaxResponseBufferSize = options.ServerResponseBufferSize;

            // A stalled client keeps its connection however long the others take: with Kestrel's default minimum
            // rate, a write pending for more than 5 s plus its size at 240 B/s ends the connection (the client would
            // reconnect with Last-Event-ID, which the endpoint tests cover).
            kestrel.Limits.MinResponseDataRate = null;
        });
        builder.WebHost.UseSockets(sockets => sockets.CreateBoundListenSocket = endpoint =>
        {
            Socket socket = SocketTransportOptions.CreateDefaultBoundListenSocket(endpoint);
            if (options.ServerSendBufferSize > 0)
            {
                // Accepted sockets inherit it: a stalled client's backlog stays in the server's bounded buffer.
                socket.SendBufferSize = options.ServerSendBufferSize;
            }

            return socket;
        });
        builder.Services.AddToolPipelineChat(chat =>
        {
            chat.OwnerOf = static _ => "load";
            chat.MaxConversationsPerOwner = options.Conversations;
            chat.ClientBufferCapacity = options.ClientBufferCapacity;
        });

        WebApplication app = builder.Build();
        var scenario = new LoadScenario(options, TimeProvider.System);
        app.MapToolPipelineChat(Prefix, scenario.CreatePipeline);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        string address = app.Urls.First();
        return new ChatLoadServer(app, new Uri(address));
    }

    /// <summary>The server process's memory now: the managed heap after a full collection, and the working set.</summary>
    /// <returns>The sample.</returns>
    public static MemorySample SampleMemory()
    {
        long heap = GC.GetTotalMemory(forceFullCollection: true);
        return new MemorySample(heap, Environment.WorkingSet);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
