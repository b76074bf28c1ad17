using Orleans.Runtime;
using Orleans.Storage;

namespace ToolFlow.Orleans;

/// <summary>
/// One state of one grain in an <see cref="IGrainStorage"/>, written from any thread: the conversation's hub and its
/// ledger write from the thread pool, never from the grain's scheduler, so they use the storage directly instead of
/// an <c>IPersistentState</c> bound to the activation. Writes go one at a time, each carrying the last ETag.
/// </summary>
internal sealed class GrainStateStore<T>(IGrainStorage storage, string stateName, GrainId grainId)
    where T : class
{
    private readonly GrainState<T> _state = new();
    private readonly SemaphoreSlim _writing = new(1, 1);

    /// <summary>The state as last read or written; <see langword="null"/> if there is none.</summary>
    public T? Value => _state.RecordExists ? _state.State : null;

    public async Task<T?> ReadAsync(CancellationToken cancellationToken)
    {
        await _writing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await storage.ReadStateAsync(stateName, grainId, _state, cancellationToken).ConfigureAwait(false);
            return Value;
        }
        finally
        {
            _writing.Release();
        }
    }

    /// <summary>Writes the state <paramref name="update"/> makes of the current one (null if none).</summary>
    public async Task WriteAsync(Func<T?, T> update, CancellationToken cancellationToken)
    {
        await _writing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            T value = update(Value);
            T? before = _state.State;
            bool existed = _state.RecordExists;
            _state.State = value;
            try
            {
                await storage.WriteStateAsync(stateName, grainId, _state, cancellationToken).ConfigureAwait(false);
                _state.RecordExists = true;
            }
            catch
            {
                (_state.State, _state.RecordExists) = (before, existed);
                throw;
            }
        }
        finally
        {
            _writing.Release();
        }
    }

    public async Task ClearAsync(CancellationToken cancellationToken)
    {
        await _writing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await storage.ClearStateAsync(stateName, grainId, _state, cancellationToken).ConfigureAwait(false);
            (_state.State, _state.RecordExists) = (null, false);
        }
        finally
        {
            _writing.Release();
        }
    }
}
