using Microsoft.Extensions.AI;

namespace ToolFlow.Orleans.Tests;

/// <summary>The suite with the tools run in the test's process.</summary>
[Collection(WorkerClusterCollection.Name)]
public sealed class LocalExecutorSuiteTests : ExecutorSuite
{
    protected override string Executor => "local";

    protected override AIFunction Place(AIFunction tool, string scope) => tool;
}
