namespace ToolFlow.Cli.Calls;

/// <summary>How far a running call has got, as its tool last reported.</summary>
/// <param name="Fraction">The part done, from 0 to 1, or <see langword="null"/> when the tool gives no total.</param>
/// <param name="Message">What the tool says it is doing, or <see langword="null"/>.</param>
internal sealed record CallProgress(double? Fraction, string? Message);
