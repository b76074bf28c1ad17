using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ToolFlow.Pipeline.Tests;

/// <summary>Starts a Kestrel app on a free port of 127.0.0.1 that answers one POST path, for wire-format test servers.</summary>
public static class LoopbackHost
{
    /// <summary>Starts the app.</summary>
    /// <param name="path">The path it answers, such as <c>/api/chat</c>.</param>
    /// <param name="handler">Handles each request to it.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running app and its root address, which ends with a slash.</returns>
    public static async Task<(WebApplication App, Uri Address)> StartAsync(string path, RequestDelegate handler, CancellationToken cancellationToken)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        WebApplication app = builder.Build();
        app.MapPost(path, handler);
        await app.StartAsync(cancellationToken);
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, new Uri(address.EndsWith('/') ? address : address + "/"));
    }
}
