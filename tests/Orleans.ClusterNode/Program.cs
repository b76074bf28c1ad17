using ToolFlow.Orleans.ClusterNode;
using ToolFlow.Samples.ChatUi;

return await ChatUiApp.RunAsync(args, FaultScenario.Configure).ConfigureAwait(false);
