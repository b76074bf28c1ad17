using Orleans.Runtime;
using Orleans.Runtime.Messaging;

namespace ToolFlow.Orleans.Tests;

/// <summary>Which failures of a conversation's grain call the endpoints answer with 503 and Retry-After.</summary>
public sealed class OrleansConversationHostTests
{
    [Fact]
    public void IsTransient_TheSiloLostUnreachableOrSilent_True()
    {
        // SiloUnavailableException is the message rejection Orleans gives for a dead or leaving silo.
        Assert.True(OrleansConversationHost.IsTransient(new SiloUnavailableException()));
        Assert.True(OrleansConversationHost.IsTransient(new ConnectionFailedException("connection refused")));
        Assert.True(OrleansConversationHost.IsTransient(new TimeoutException("response timeout")));
    }

    [Fact]
    public void IsTransient_AnyOtherFailure_False()
    {
        Assert.False(OrleansConversationHost.IsTransient(new InvalidOperationException()));
        Assert.False(OrleansConversationHost.IsTransient(new ArgumentException("bad settings")));
        Assert.False(OrleansConversationHost.IsTransient(new OperationCanceledException()));
    }
}
