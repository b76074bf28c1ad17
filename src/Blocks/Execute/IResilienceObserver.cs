namespace ToolFlow.Blocks;

/// <summary>Where a call's retry and circuit-breaker callbacks report, found through the Polly context.</summary>
internal interface IResilienceObserver
{
    void OnRetry(int attempt, TimeSpan delay, Exception? error);
}
