using Microsoft.Extensions.AI;

namespace ToolFlow.Orleans.Tests;

/// <summary>The suite with the tools run on the shared cluster's workers, sent from its front silo.</summary>
[Collection(WorkerClusterCollection.Name)]
public sealed class RemoteExecutorSuiteTests(WorkerCluster cluster) : ExecutorSuite
{
    protected override string Executor => "remote";

    protected override AIFunction Place(AIFunction tool, string scope) => new RemoteToolFunction(tool, cluster.Front, scope);
}
