namespace ToolFlow.Blocks.Tests.Nestful;

/// <summary>
/// The dependency graph of one NESTFUL sequence, from its references. A label names the latest call before the
/// referring one that carries it: the upstream scorer runs calls in order and looks labels up in the results so far,
/// so a call may reuse an earlier call's label and still read that earlier result.
/// </summary>
internal sealed class NestfulPlan
{
    public NestfulPlan(IReadOnlyList<NestfulCall> calls)
    {
        Calls = calls;
        var defined = new Dictionary<string, int>(StringComparer.Ordinal);
        var steps = new List<Step>();
        foreach (NestfulCall call in calls)
        {
            List<NestfulReference> references = NestfulOracle.References(call.Arguments);
            var targets = new Dictionary<string, int>(StringComparer.Ordinal);
            var undefined = new List<string>();
            foreach (NestfulReference reference in references)
            {
                if (defined.TryGetValue(reference.Label, out int target))
                {
                    targets[reference.Label] = target;
                }
                else if (!undefined.Contains(reference.Label))
                {
                    undefined.Add(reference.Label);
                }
            }

            int[] dependencies = [.. targets.Values.Distinct().Order()];
            int depth = 1 + dependencies.Select(d => steps[d].Depth).DefaultIfEmpty(0).Max();
            steps.Add(new Step(call, references, targets, dependencies, undefined, depth));
            if (call.Label is { } label)
            {
                defined[label] = call.Index;
            }
        }

        Steps = steps;
    }

    public IReadOnlyList<NestfulCall> Calls { get; }

    public IReadOnlyList<Step> Steps { get; }

    /// <summary>The tool calls, without <c>var_result</c>.</summary>
    public IEnumerable<Step> ToolSteps => Steps.Where(s => !s.Call.IsResult);

    /// <summary>Tool calls that refer to nothing.</summary>
    public IReadOnlyList<Step> Roots => [.. ToolSteps.Where(s => s.References.Count == 0)];

    /// <summary>The number of tool calls on the longest reference path.</summary>
    public int LongestChain => ToolSteps.Max(s => s.Depth);

    /// <summary>The most tool calls at one depth.</summary>
    public int WidestLevel => ToolSteps.GroupBy(s => s.Depth).Max(g => g.Count());

    /// <summary>Whether some call refers to a label no earlier call defines (the README's defective items).</summary>
    public bool IsDefective => Steps.Any(s => s.Undefined.Count > 0);

    /// <summary>
    /// How each call must end: <see langword="null"/> for a completion, else the failure and the label or call it
    /// must name (an undefined label fails the call itself; a failed dependency fails its dependents).
    /// </summary>
    public (ToolCallFailureKind Kind, IReadOnlyList<string> Names)? ExpectedFailure(int index)
    {
        Step step = Steps[index];
        if (step.Undefined.Count > 0)
        {
            return (ToolCallFailureKind.UnresolvedReference, step.Undefined);
        }

        foreach (int dependency in step.Dependencies)
        {
            if (ExpectedFailure(dependency) is not null)
            {
                return (ToolCallFailureKind.DependencyFailed, [$"call_1_{dependency}"]);
            }
        }

        return null;
    }

    /// <param name="Call">The call.</param>
    /// <param name="References">Its references, in document order.</param>
    /// <param name="Targets">Each referred label and the index of the call it names.</param>
    /// <param name="Dependencies">The calls it needs, by index.</param>
    /// <param name="Undefined">Labels it refers to that no earlier call defines.</param>
    /// <param name="Depth">Tool calls on the longest reference path ending here.</param>
    internal sealed record Step(
        NestfulCall Call,
        IReadOnlyList<NestfulReference> References,
        IReadOnlyDictionary<string, int> Targets,
        IReadOnlyList<int> Dependencies,
        IReadOnlyList<string> Undefined,
        int Depth);
}
