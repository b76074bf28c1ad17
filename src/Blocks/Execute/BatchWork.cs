namespace ToolFlow.Blocks;

/// <summary>A batch of calls to a batchable tool, queued and started as one work.</summary>
internal sealed class BatchWork : ExecutorWork
{
    public BatchWork(ToolDescriptor tool, CallState[] calls)
    {
        Tool = tool;
        Calls = calls;
    }

    public CallState[] Calls { get; }

    public override void Start() => Calls[0].Invoker.StartBatch(this);
}
