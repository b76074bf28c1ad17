namespace ToolFlow.WireTesting;

/// <summary>
/// Runs a test body under a generous deadline: if something hangs, the body is cancelled and the test fails saying
/// so, instead of hanging the run. The deadline is a guard, never a measurement.
/// </summary>
public static class TestGuard
{
    /// <summary>The deadline: far beyond what any of these tests needs on a loaded machine.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    /// <summary>Runs <paramref name="body"/>, failing the test if it has not finished by the deadline.</summary>
    /// <param name="body">The test, given a token that fires at the deadline.</param>
    /// <returns>A task that completes with the test.</returns>
    public static async Task RunAsync(Func<CancellationToken, Task> body)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        try
        {
            await body(deadline.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            Assert.Fail($"The test did not finish within {Deadline.TotalSeconds} s: something hung.");
        }
    }
}
