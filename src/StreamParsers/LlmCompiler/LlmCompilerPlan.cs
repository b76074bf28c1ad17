using System.Globalization;

namespace ToolFlow.StreamParsers;

/// <summary>
/// Reads the plan structure of calls from the <c>llmcompiler</c> format: task numbers and dependencies, so
/// that a scheduler can start each task as soon as the tasks it refers to are done.
/// </summary>
/// <remarks>
/// Everything is derived from the <see cref="ParsedToolCall"/> alone (its <see cref="ParsedToolCall.Id"/>,
/// <see cref="ParsedToolCall.Name"/> and <see cref="ParsedToolCall.ArgumentsJson"/>), so it works wherever the call
/// travels, without the parser.
/// </remarks>
public static class LlmCompilerPlan
{
    /// <summary>The tool name that ends a plan; it depends on every earlier task.</summary>
    public const string JoinToolName = "join";

    /// <summary>The task number of a call, from its <see cref="ParsedToolCall.Id"/>.</summary>
    /// <param name="call">A call read by the <c>llmcompiler</c> format.</param>
    /// <returns>The number the plan gave the task.</returns>
    /// <exception cref="ArgumentException">The call's id is not a task number.</exception>
    public static int GetTaskIndex(ParsedToolCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        return int.TryParse(call.Id, NumberStyles.None, CultureInfo.InvariantCulture, out int index) && index > 0
            ? index
            : throw new ArgumentException($"The call's id '{call.Id}' is not an LLMCompiler task number.", nameof(call));
    }

    /// <summary>
    /// The task numbers a call waits for, ascending and without repeats: for <see cref="JoinToolName"/>, every number
    /// below its own; otherwise each <c>$N</c> or <c>${N}</c> in its arguments with N below its own number (a
    /// reference to itself or to a later task can never be satisfied and is left out).
    /// </summary>
    /// <param name="call">A call read by the <c>llmcompiler</c> format.</param>
    /// <returns>The dependencies; empty when there are none.</returns>
    /// <exception cref="ArgumentException">The call's id is not a task number.</exception>
    public static IReadOnlyList<int> GetDependencies(ParsedToolCall call)
    {
        int index = GetTaskIndex(call);
        return Compute(call.Name, index, call.ArgumentsJson, references: null);
    }

    /// <summary>Computes dependencies; also collects every reference found (including unusable ones) when asked.</summary>
    /// <remarks>
    /// With <paramref name="planned"/> (the task numbers the plan has written so far, dropped tasks included), a join
    /// depends on those below its own number: one entry per task line, where counting every number below a task
    /// number the model wrote (up to nine digits) took memory in proportion to that number.
    /// </remarks>
    internal static List<int> Compute(string name, int taskIndex, ReadOnlySpan<char> arguments, List<int>? references, IReadOnlyCollection<int>? planned = null)
    {
        var dependencies = new List<int>();
        if (name == JoinToolName)
        {
            if (planned is not null)
            {
                dependencies.AddRange(planned.Where(n => n < taskIndex));
                dependencies.Sort();
                return dependencies;
            }

            for (int n = 1; n < taskIndex; n++)
            {
                dependencies.Add(n);
            }

            return dependencies;
        }

        for (int i = arguments.IndexOf('$'); i >= 0; i = NextDollar(arguments, i + 1))
        {
            int j = i + 1;
            if (j < arguments.Length && arguments[j] == '{')
            {
                j++;
            }

            int start = j;
            long value = 0;
            while (j < arguments.Length && char.IsAsciiDigit(arguments[j]) && j - start < 10)
            {
                value = (value * 10) + (arguments[j] - '0');
                j++;
            }

            if (j == start || value > int.MaxValue)
            {
                continue;
            }

            int reference = (int)value;
            if (references is not null && !references.Contains(reference))
            {
                references.Add(reference);
            }

            if (reference < taskIndex && !dependencies.Contains(reference))
            {
                dependencies.Add(reference);
            }
        }

        dependencies.Sort();
        return dependencies;
    }

    private static int NextDollar(ReadOnlySpan<char> text, int from)
    {
        int next = text[from..].IndexOf('$');
        return next < 0 ? -1 : from + next;
    }
}
