using Microsoft.Extensions.AI;
using ToolFlow.Blocks;

namespace ToolFlow.Ledger.CrashHost;

/// <summary>
/// The conversation's tools, one of each kind the ledger treats differently: <c>lookup</c> (read-only),
/// <c>normalize</c> (idempotent), <c>charge</c> (side-effecting, honours keys) and <c>email</c> (side-effecting, no
/// keys). Each waits, makes its effect in the world, waits again and returns a result that depends only on its
/// arguments, so a kill can fall before or after the effect and every run's conversation reads the same.
/// </summary>
internal static class CrashTools
{
    public static IEnumerable<ToolDescriptor> Create(World world, TextWriter progress)
    {
        yield return new ToolDescriptor(Tool("lookup", world, progress, keyed: false), ToolEffects.ReadOnly);
        yield return new ToolDescriptor(Tool("normalize", world, progress, keyed: false), ToolEffects.Idempotent);
        yield return new ToolDescriptor(Tool("charge", world, progress, keyed: true), ToolEffects.SideEffecting) { HonorsIdempotencyKeys = true };
        yield return new ToolDescriptor(Tool("email", world, progress, keyed: false), ToolEffects.SideEffecting);
    }

    private static AIFunction Tool(string name, World world, TextWriter progress, bool keyed) =>
        AIFunctionFactory.Create(
            async (string tag, int ms, CancellationToken cancellationToken) =>
            {
                progress.WriteLine($"body {name} {tag} started");
                await Task.Delay(ms, cancellationToken).ConfigureAwait(false);
                if (keyed)
                {
                    // A keyed service: the same key twice has one effect.
                    string key = ToolIdempotency.CurrentKey ?? "MISSING";
                    bool done = world.EffectOnce(name, tag, key);
                    progress.WriteLine($"body {name} {tag} {(done ? "effect" : "deduplicated")}");
                }
                else
                {
                    world.Effect(name, tag, ToolIdempotency.CurrentKey);
                    progress.WriteLine($"body {name} {tag} effect");
                }

                await Task.Delay(ms, cancellationToken).ConfigureAwait(false);
                progress.WriteLine($"body {name} {tag} returning");
                return $"{name} {tag}: ok";
            },
            name,
            $"The crash test's {name} tool.");
}
