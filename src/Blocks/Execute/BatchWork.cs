namespace ToolFlow.Blocks;

/// <summary>A batch of calls to a batchable tool, queued and started as one work.</summary>
internal sealed class BatchWork : ExecutorWork
{
    public BatchWork(ToolDescriptor tool, CallRun[] calls)
    {
        Tool = tool;
        Calls = calls;
    }

    public CallRun[] Calls { get; }

    /// <summary>The calls that started with it (not cancelled before); set under the gate's lock as it starts.</summary>
    public CallState[] Started { get; set; } = [];

    public override void Start() => Calls[0].Invoker.StartBatch(this);
}
