using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ToolFlow.Orleans.Tests;

/// <summary>What <see cref="ToolFlowWorkerSiloBuilderExtensions.AddToolFlowWorker"/> accepts and registers.</summary>
public sealed class ToolFlowWorkerSiloBuilderExtensionsTests
{
    private static readonly AIFunction s_echo = AIFunctionFactory.Create((string q) => q, "echo");

    private static void OnSilo(Action<ISiloBuilder> configure) => Host.CreateApplicationBuilder().UseOrleans(configure);

    [Fact]
    public void AddToolFlowWorker_Tools_RegistersThemByName()
    {
        IServiceCollection? services = null;

        OnSilo(silo =>
        {
            silo.AddToolFlowWorker([s_echo, AIFunctionFactory.Create(() => 1, "one")]);
            services = silo.Services;
        });

        ToolWorkerRegistry registry = services!.BuildServiceProvider().GetRequiredService<ToolWorkerRegistry>();
        Assert.Equal(["echo", "one"], registry.Names.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void AddToolFlowWorker_TwoToolsOneName_ThrowsNamingIt()
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => OnSilo(silo => silo.AddToolFlowWorker([s_echo, s_echo])));

        Assert.Contains("Two tools are named 'echo'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddToolFlowWorker_CapsForToolsNotHosted_ThrowsNamingThem()
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => OnSilo(silo =>
            silo.AddToolFlowWorker([s_echo], o => o.LimitConcurrency("echo", 2).LimitConcurrency("lookup", 1).LimitClusterConcurrency("send", 3))));

        Assert.Contains("'lookup', 'send'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddToolFlowWorker_CalledTwice_Throws()
    {
        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => OnSilo(silo =>
        {
            silo.AddToolFlowWorker([s_echo]);
            silo.AddToolFlowWorker([]);
        }));

        Assert.Contains("already called", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddToolCallPlacement_AskedAgainAndByAddToolFlowWorker_OneDirector()
    {
        IServiceCollection? services = null;

        OnSilo(silo =>
        {
            silo.AddToolCallPlacement().AddToolCallPlacement();
            silo.AddToolFlowWorker([s_echo]);
            services = silo.Services;
        });

        Assert.Single(services!, d => d.IsKeyedService && d.ServiceType == typeof(global::Orleans.Runtime.Placement.IPlacementDirector) && Equals(d.ServiceKey, typeof(ToolWorkerPlacement)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    public void ToolWorkerOptions_CapNeitherPositiveNorUnbounded_Throws(int cap)
    {
        var options = new ToolWorkerOptions();

        Assert.Throws<ArgumentOutOfRangeException>(() => options.DefaultMaxConcurrency = cap);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.LimitConcurrency("echo", cap));
        Assert.Throws<ArgumentOutOfRangeException>(() => options.LimitClusterConcurrency("echo", cap));
        Assert.Throws<ArgumentOutOfRangeException>(() => options.LimitClusterConcurrency("echo", ToolWorkerOptions.Unbounded));
    }

    [Fact]
    public void ToolWorkerOptions_OwnLimitElseDefault()
    {
        var options = new ToolWorkerOptions { DefaultMaxConcurrency = 4 }.LimitConcurrency("echo", ToolWorkerOptions.Unbounded);

        Assert.Equal((ToolWorkerOptions.Unbounded, 4), (options.MaxConcurrencyOf("echo"), options.MaxConcurrencyOf("other")));
        Assert.Equal(ToolWorkerOptions.Unbounded, new ToolWorkerOptions().MaxConcurrencyOf("echo"));
    }
}
