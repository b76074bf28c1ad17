using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Text;
using ToolFlow.Blocks;

namespace ToolFlow.Pipeline;

/// <summary>
/// The queue between a run and its reader. Writing never blocks, so a slow reader never stalls the mesh; once more
/// than a threshold of events wait, consecutive text, reasoning and argument deltas are merged into one (and
/// consecutive progress events of one call keep only the latest), so what waits is bounded by the threshold, the
/// response's length and its lifecycle events (bounded by the parser's call limit). Lifecycle events are never merged
/// or dropped.
/// </summary>
/// <param name="coalesceAfter">How many events may wait before deltas merge.</param>
/// <param name="resumeReaderInline">
/// Whether the reader resumes on the writer's thread. Only for single-threaded test schedulers, where it keeps a run
/// deterministic; otherwise the reader resumes on the thread pool, so its own work (a UI rendering each event) never
/// holds up the mesh.
/// </param>
internal sealed class CoalescingEventQueue(int coalesceAfter, bool resumeReaderInline)
{
    // Lock scheme: _lock guards every field; the waiter is completed outside it.
    private readonly object _lock = new();
    private readonly LinkedList<Entry> _entries = new();
    private TaskCompletionSource? _waiter;
    private bool _completed;
    private Exception? _error;

    /// <summary>How many deltas were merged into an earlier one because the reader was behind.</summary>
    public long Coalesced { get; private set; }

    public void Write(ToolPipelineEvent @event)
    {
        TaskCompletionSource? waiter;
        lock (_lock)
        {
            if (_completed)
            {
                return;
            }

            // A reader a few events behind is normal; past the threshold it has fallen behind.
            if (_entries.Count >= coalesceAfter && _entries.Last?.Value is { } last && last.TryMerge(@event))
            {
                Coalesced++;
            }
            else
            {
                _entries.AddLast(new Entry(@event));
            }

            waiter = _waiter;
            _waiter = null;
        }

        waiter?.TrySetResult();
    }

    public void Complete(Exception? error = null)
    {
        TaskCompletionSource? waiter;
        lock (_lock)
        {
            _completed = true;
            _error ??= error;
            waiter = _waiter;
            _waiter = null;
        }

        waiter?.TrySetResult();
    }

    public async IAsyncEnumerable<ToolPipelineEvent> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ToolPipelineEvent? next = null;
            TaskCompletionSource? wait = null;
            lock (_lock)
            {
                if (_entries.First is { } first)
                {
                    _entries.RemoveFirst();
                    next = first.Value.Build();
                }
                else if (_completed)
                {
                    if (_error is not null)
                    {
                        ExceptionDispatchInfo.Throw(_error);
                    }

                    yield break;
                }
                else
                {
                    // Continuations run inline with the writer, so a run on a single-threaded scheduler stays on it.
                    _waiter = wait = new TaskCompletionSource(resumeReaderInline ? TaskCreationOptions.None : TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }

            if (wait is not null)
            {
                // The writer or the token completes the wait.
                // Inline, the reader also resumes on its own scheduler: an await that leaves it would resume on the
                // thread pool (the runtime never inlines onto a non-default scheduler), where a test's clock
                // could move on before the reader has seen the event.
                using (cancellationToken.UnsafeRegister(static s => ((TaskCompletionSource)s!).TrySetResult(), wait))
                {
                    await wait.Task.ConfigureAwait(resumeReaderInline);
                }

                continue;
            }

            yield return next!;
        }
    }

    /// <summary>A queued event, and the text of the deltas merged into it.</summary>
    private sealed class Entry(ToolPipelineEvent @event)
    {
        private ToolPipelineEvent _event = @event;
        private StringBuilder? _merged;

        public bool TryMerge(ToolPipelineEvent next)
        {
            // A call's progress is a state, not an increment: the latest report replaces the one waiting.
            if (_event is ToolCallProgressed held && next is ToolCallProgressed latest && held.Call.CallId == latest.Call.CallId)
            {
                _event = next;
                return true;
            }

            string? text = (_event, next) switch
            {
                (TextDelta a, TextDelta b) when a.Turn == b.Turn => b.Text,
                (ReasoningDelta a, ReasoningDelta b) when a.Turn == b.Turn => b.Text,
                (ToolArgumentsDelta a, ToolArgumentsDelta b) when a.CallId == b.CallId => b.Fragment,
                _ => null,
            };
            if (text is null)
            {
                return false;
            }

            _merged ??= new StringBuilder(TextOf(_event));
            _merged.Append(text);

            // The merged delta takes the sequence number and time of the last delta it holds.
            _event = _event with { Sequence = next.Sequence, Timestamp = next.Timestamp };
            return true;
        }

        public ToolPipelineEvent Build() => _merged is null ? _event : _event switch
        {
            TextDelta t => t with { Text = _merged.ToString() },
            ReasoningDelta r => r with { Text = _merged.ToString() },
            ToolArgumentsDelta a => a with { Fragment = _merged.ToString() },
            _ => _event,
        };

        private static string TextOf(ToolPipelineEvent e) => e switch
        {
            TextDelta t => t.Text,
            ReasoningDelta r => r.Text,
            ToolArgumentsDelta a => a.Fragment,
            _ => string.Empty,
        };
    }
}
