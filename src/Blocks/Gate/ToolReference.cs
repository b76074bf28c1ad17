namespace ToolFlow.Blocks;

/// <summary>One reference from an argument to another call's result.</summary>
/// <param name="Syntax">How it was written.</param>
/// <param name="Target">The referred call: its label (plan steps, NESTFUL variables) or its call id (futures).</param>
/// <param name="Path">The field path into the result, such as <c>.data[0].id</c>; empty for the whole result.</param>
public readonly record struct ToolReference(ToolReferenceSyntax Syntax, string Target, string Path);
