namespace ToolFlow.Samples.ChatUi.Tests;

/// <summary>A one-shot gate a test opens when it has seen what it waits for.</summary>
internal sealed class Gate
{
    private readonly TaskCompletionSource _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Opened => _opened.Task;

    public void Open() => _opened.TrySetResult();
}
