using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ToolFlow.Pipeline;

namespace ToolFlow.AspNetCore.Tests;

/// <summary>Every limit has its default and refuses what is out of range.</summary>
public sealed class ToolPipelineChatOptionsTests
{
    [Fact]
    public void Defaults_AreTheDocumentedOnes()
    {
        var options = new ToolPipelineChatOptions();
        Assert.Equal((512, 4096, 32_768, 16, 256, 100, 500), (options.ClientBufferCapacity, options.ReplayCapacity, options.MaxMessageLength, options.MaxSettings, options.MaxSettingLength, options.MaxConversationsPerOwner, options.ResultPreviewLength));
        Assert.Same(TimeProvider.System, options.TimeProvider);
        Assert.Equal(32, options.MaxStreamsPerConversation);
        Assert.Equal((6 * 32_768) + (12 * 16 * 256) + 4096, options.MaxRequestBodyBytes);
    }

    [Fact]
    public void Setters_OutOfRange_Throw()
    {
        var options = new ToolPipelineChatOptions();
        Assert.Throws<ArgumentOutOfRangeException>(() => options.ClientBufferCapacity = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.ReplayCapacity = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxMessageLength = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxSettings = -1);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxSettingLength = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxConversationsPerOwner = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.ResultPreviewLength = -1);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxStreamsPerConversation = 0);
        Assert.Throws<ArgumentNullException>(() => options.TimeProvider = null!);
        Assert.Throws<ArgumentNullException>(() => options.OwnerOf = null!);

        // The smallest values are allowed, and nothing changed on the refusals above.
        options.ClientBufferCapacity = 1;
        options.MaxSettings = 0;
        options.ResultPreviewLength = 0;
        Assert.Equal((1, 4096, 0, 0), (options.ClientBufferCapacity, options.ReplayCapacity, options.MaxSettings, options.ResultPreviewLength));
    }

    [Fact]
    public void OwnerOf_Default_NameIdentifierOfAnAuthenticatedUserElseItsNameElseNobody()
    {
        Func<HttpContext, string?> ownerOf = new ToolPipelineChatOptions().OwnerOf;
        var context = new DefaultHttpContext();
        Assert.Null(ownerOf(context));

        context.User = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity([new(System.Security.Claims.ClaimTypes.Name, "alice")], "test"));
        Assert.Equal("alice", ownerOf(context));
        context.User = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity(
            [new(System.Security.Claims.ClaimTypes.Name, "alice"), new(System.Security.Claims.ClaimTypes.NameIdentifier, "id-7")], "test"));
        Assert.Equal("id-7", ownerOf(context));
        context.User = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity([new(System.Security.Claims.ClaimTypes.Name, "alice")]));
        Assert.Null(ownerOf(context));
    }

    [Fact]
    public void MapToolPipelineChat_InvalidOptionsOrNoServices_Throws()
    {
        static ToolPipeline NoPipeline(ToolPipelineChatContext context) => throw new InvalidOperationException();

        WebApplicationBuilder withInvalid = WebApplication.CreateSlimBuilder();
        withInvalid.Services.AddToolPipelineChat(o => o.ReplayCapacity = 0);
        using WebApplication invalid = withInvalid.Build();
        Assert.Throws<ArgumentOutOfRangeException>(() => invalid.MapToolPipelineChat("/chat", NoPipeline));

        using WebApplication missing = WebApplication.CreateSlimBuilder().Build();
        Assert.Throws<InvalidOperationException>(() => missing.MapToolPipelineChat("/chat", NoPipeline));
    }
}
