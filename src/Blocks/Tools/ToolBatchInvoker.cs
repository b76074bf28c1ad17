using Microsoft.Extensions.AI;

namespace ToolFlow.Blocks;

/// <summary>Runs several calls to one tool as a single invocation, for tools with a batch endpoint.</summary>
/// <param name="arguments">Each call's arguments, in order.</param>
/// <param name="cancellationToken">Cancelled when the whole batch is.</param>
/// <returns>One result per call, in the same order.</returns>
public delegate ValueTask<IReadOnlyList<object?>> ToolBatchInvoker(IReadOnlyList<AIFunctionArguments> arguments, CancellationToken cancellationToken);
