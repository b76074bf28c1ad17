using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;

namespace ToolFlow.Pipeline;

/// <summary>Plan mode's prompts, after LLMCompiler's planner and joiner.</summary>
internal static class PlanPrompts
{
    public static string Planner(IEnumerable<ToolDescriptor> tools)
    {
        var text = new StringBuilder("Given a user query, create a plan to solve it with the utmost parallelizability. Each plan should comprise an action from the following types:\n");
        int n = 1;
        foreach (ToolDescriptor tool in tools.Where(t => t.Name != StreamParsers.LlmCompilerPlan.JoinToolName))
        {
            string parameters = tool.Function.JsonSchema.TryGetProperty("properties", out JsonElement properties) && properties.ValueKind == JsonValueKind.Object
                ? string.Join(", ", properties.EnumerateObject().Select(p => p.Name))
                : string.Empty;
            text.Append(n++).Append(". ").Append(tool.Name).Append('(').Append(parameters).Append("): ").Append(tool.Function.Description).Append('\n');
        }

        text.Append(n).Append(". join(): Collects and combines results from prior actions.\n\n");
        text.Append("Write one action per line as 'N. tool(arguments)', numbered from 1. Refer to the output of an earlier action as $N. ");
        text.Append("You may write 'Thought: ...' lines. Actions that do not depend on each other run in parallel. ");
        text.Append("Always end the plan with 'join()<END_OF_PLAN>'.");
        return text.ToString();
    }

    public const string Joiner =
        "Using the results of the plan's actions above, answer the user's question. If the results are not enough to answer, reply with 'Replan: ' and what is missing.";

    public static bool IsReplan(ChatMessage answer) => answer.Text.TrimStart().StartsWith("Replan", StringComparison.OrdinalIgnoreCase);
}
