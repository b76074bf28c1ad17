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

    public override void Start() => Calls[0].Invoker.StartBatch(this);
}
