using System.Text;

namespace ToolFlow.Cli.Tests.Run;

/// <summary>
/// A thread-safe text writer a test can wait on: <see cref="WaitForAsync"/> completes the moment the text written so
/// far contains a fragment, signalled by the write itself (no polling).
/// </summary>
public sealed class SignalingWriter : TextWriter
{
    private readonly StringBuilder _text = new();
    private readonly List<(string Fragment, TaskCompletionSource Signal)> _waiters = [];
    private readonly Lock _lock = new();

    /// <inheritdoc/>
    public override Encoding Encoding => Encoding.UTF8;

    /// <summary>Everything written so far.</summary>
    public string Text
    {
        get
        {
            lock (_lock)
            {
                return _text.ToString();
            }
        }
    }

    /// <summary>Completes once the text contains <paramref name="fragment"/>.</summary>
    /// <param name="fragment">The text to wait for.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the fragment has been written.</returns>
    public Task WaitForAsync(string fragment, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_text.ToString().Contains(fragment, StringComparison.Ordinal))
            {
                return Task.CompletedTask;
            }

            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((fragment, signal));
            return signal.Task.WaitAsync(cancellationToken);
        }
    }

    /// <inheritdoc/>
    public override void Write(char value) => Write(value.ToString());

    /// <inheritdoc/>
    public override void Write(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        lock (_lock)
        {
            _text.Append(value);
            string text = _text.ToString();
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (text.Contains(_waiters[i].Fragment, StringComparison.Ordinal))
                {
                    _waiters[i].Signal.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    /// <inheritdoc/>
    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    /// <inheritdoc/>
    public override string ToString() => Text;
}
