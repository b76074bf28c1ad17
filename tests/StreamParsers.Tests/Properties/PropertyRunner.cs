using CsCheck;

namespace ToolFlow.StreamParsers.Tests;

/// <summary>
/// Runs a property over samples of a generator drawn from fixed seeds, so that every run (in CI too) tries the same
/// inputs; a failure names the sample's number and prints it.
/// </summary>
internal static class PropertyRunner
{
    /// <summary>Samples per property: a few seconds each.</summary>
    public const int Iterations = 300;

    public static void ForAll<T>(Gen<T> gen, Action<T> property, int iterations = Iterations)
    {
        for (int i = 0; i < iterations; i++)
        {
            T sample = gen.Generate(new PCG((uint)i, 0x7001_F100ul), null, out _);
            try
            {
                property(sample);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new InvalidOperationException($"Sample {i} fails: {sample}\n{e.Message}", e);
            }
        }
    }
}
