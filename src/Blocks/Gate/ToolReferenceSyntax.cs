namespace ToolFlow.Blocks;

/// <summary>The ways an argument may refer to another call's result.</summary>
[Flags]
public enum ToolReferenceSyntax
{
    /// <summary>No references: arguments are taken as written.</summary>
    None = 0,

    /// <summary>A future passed as an argument: the object <c>{"$future": "&lt;callId&gt;"}</c>.</summary>
    Futures = 1,

    /// <summary>LLMCompiler plan steps: <c>$N</c> or <c>${N}</c>, where N is a step's label.</summary>
    PlanSteps = 2,

    /// <summary>NESTFUL variables with field access: <c>$var1.field.list[0]$</c> (field names may hold spaces).</summary>
    NestfulVariables = 4,

    /// <summary>Every syntax.</summary>
    All = Futures | PlanSteps | NestfulVariables,
}
