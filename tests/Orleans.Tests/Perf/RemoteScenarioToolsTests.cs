using Microsoft.Extensions.AI;
using ToolFlow.ClusterBench;

namespace ToolFlow.Orleans.Tests.Perf;

/// <summary>The worker side of the bench's routed scenario tools.</summary>
[Collection(ClusterBenchCollection.Name)]
public sealed class RemoteScenarioToolsTests(ClusterBenchFixture fixture)
{
    [Fact]
    public async Task WorkerTool_CallNamingNoBody_FailsNamingTheRoute()
    {
        AIFunction worker = fixture.Tools.WorkerTools(["search"])[0];

        InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(
            async () => await worker.InvokeAsync(new AIFunctionArguments(new Dictionary<string, object?> { [RemoteScenarioTools.RouteArgument] = "gone/0/search" })));

        Assert.Equal("The call to 'search' names no body this process routed (_route: 'gone/0/search').", error.Message);
    }
}
