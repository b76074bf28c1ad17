namespace ToolFlow.Blocks;

/// <summary>A ready call waiting in, or running on, a <see cref="ToolExecutor"/>.</summary>
internal sealed class ExecutorWork(ToolDescriptor tool, Action<ExecutorWork> start, object? state)
{
    public ToolDescriptor Tool { get; } = tool;

    public object? State { get; } = state;

    public void Start() => start(this);
}
