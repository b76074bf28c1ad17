namespace ToolFlow.StreamParsers;

/// <summary>One task of an LLMCompiler plan, as the <c>llmcompiler</c> format read it.</summary>
/// <param name="Call">The completed call; its <see cref="ParsedToolCall.Id"/> is the task number as text.</param>
/// <param name="TaskIndex">The task number the plan gave it (<c>3</c> in <c>3. search("x")</c>).</param>
/// <param name="Dependencies">
/// The task numbers it waits for, ascending: those its arguments refer to (<c>$1</c>, <c>${2}</c>), or, for
/// <c>join</c>, every earlier task number the plan wrote (<see cref="LlmCompilerPlan.GetDependencies"/>, which sees
/// only the call, gives every number below the join's).
/// </param>
/// <param name="Thought">The <c>Thought:</c> line written before it, or <see langword="null"/>.</param>
public sealed record LlmCompilerTask(ParsedToolCall Call, int TaskIndex, IReadOnlyList<int> Dependencies, string? Thought);
