namespace ToolFlow.StreamParsers;

/// <summary>
/// The <see cref="ParserDiagnostic.Code"/> values that the pythonic formats (<c>pythonic</c>, <c>llama4_pythonic</c>,
/// <c>olmo3</c>, <c>lfm2</c>) and the <c>llmcompiler</c> format report besides those of
/// <see cref="ParserDiagnosticCodes"/>.
/// </summary>
public static class PythonicDiagnosticCodes
{
    /// <summary>
    /// A pythonic call is not a name with literal keyword arguments (for example a positional argument, a nested call
    /// or a bare name as a value); unless the call had already completed, its text is kept as text.
    /// </summary>
    public const string CallInvalidSyntax = "call-invalid-syntax";

    /// <summary>A tool-call block holds no call (for example <c>&lt;|tool_call_start|&gt;&lt;|tool_call_end|&gt;</c>).</summary>
    public const string CallBlockEmpty = "call-block-empty";

    /// <summary>An LLMCompiler plan line starts as a task but its parentheses never close on the line; the task is dropped.</summary>
    public const string PlanTaskMalformed = "plan-task-malformed";

    /// <summary>An LLMCompiler task number was already used; the later task is dropped.</summary>
    public const string PlanTaskRepeated = "plan-task-repeated";

    /// <summary>An LLMCompiler task refers (<c>$N</c>) to a task that has not completed before it.</summary>
    public const string PlanDependencyUnknown = "plan-dependency-unknown";
}
