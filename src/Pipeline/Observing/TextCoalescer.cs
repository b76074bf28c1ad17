using System.Reactive.Concurrency;
using System.Reactive.Disposables;
using System.Text;
using ToolFlow.Blocks;

namespace ToolFlow.Pipeline;

/// <summary>
/// The observer behind <see cref="ToolPipelineObservableExtensions.CoalesceText"/>: holds a run of text deltas and
/// sends it as one when its window ends or anything else arrives.
/// </summary>
/// <remarks>
/// Lock scheme: <c>_gate</c> guards every field and every call to the downstream observer, since the window's timer
/// fires on the scheduler while events arrive on the source's thread; Rx requires the calls not to overlap.
/// </remarks>
internal sealed class TextCoalescer(IObserver<ToolPipelineEvent> downstream, TimeSpan window, IScheduler scheduler) : IObserver<ToolPipelineEvent>, IDisposable
{
    private readonly object _gate = new();
    private readonly SerialDisposable _timer = new();
    private TextDelta? _first;
    private TextDelta? _last;
    private StringBuilder? _text;

    // Which held run a timer belongs to, so a timer that fires after its run was sent does not cut the next one short.
    private long _run;
    private bool _stopped;

    public void OnNext(ToolPipelineEvent value)
    {
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }

            if (value is TextDelta text)
            {
                Hold(text);
                return;
            }

            Flush();
            downstream.OnNext(value);
        }
    }

    public void OnError(Exception error)
    {
        lock (_gate)
        {
            if (!_stopped)
            {
                Flush();
                _stopped = true;
                downstream.OnError(error);
            }
        }
    }

    public void OnCompleted()
    {
        lock (_gate)
        {
            if (!_stopped)
            {
                Flush();
                _stopped = true;
                downstream.OnCompleted();
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _stopped = true;
        }

        _timer.Dispose();
    }

    private void Hold(TextDelta text)
    {
        if (_first is not null && _first.Turn != text.Turn)
        {
            Flush();
        }

        if (_first is null)
        {
            _first = _last = text;
            _timer.Disposable = scheduler.Schedule((Coalescer: this, Run: _run), window, static (_, state) =>
            {
                state.Coalescer.OnWindowEnded(state.Run);
                return Disposable.Empty;
            });
            return;
        }

        (_text ??= new StringBuilder(_first.Text)).Append(text.Text);
        _last = text;
    }

    private void OnWindowEnded(long run)
    {
        lock (_gate)
        {
            if (!_stopped && run == _run)
            {
                Flush();
            }
        }
    }

    private void Flush()
    {
        if (_first is null)
        {
            return;
        }

        TextDelta merged = _text is null ? _first : _first with { Text = _text.ToString(), Sequence = _last!.Sequence, Timestamp = _last.Timestamp };
        _first = _last = null;
        _text = null;
        _run++;
        _timer.Disposable = null;
        downstream.OnNext(merged);
    }
}
