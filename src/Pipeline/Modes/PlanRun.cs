using System.Threading.Tasks.Dataflow;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;

namespace ToolFlow.Pipeline;

/// <summary>
/// Plan mode (LLMCompiler): the planner streams a numbered plan whose steps run as they are parsed; once the plan has
/// run, the answering model reads the results and answers, or asks for a new plan.
/// </summary>
internal sealed class PlanRun : PipelineRun
{
    private readonly ChatMessage[] _question;
    private readonly HashSet<int> _planTurns = [];
    private int _replans;
    private bool _nextIsPlan = true;

    public PlanRun(ToolPipeline pipeline, List<ChatMessage> history, CancellationToken cancellationToken)
        : base(pipeline, history, cancellationToken)
    {
        _question = [.. history];
    }

    protected override IChatClient Model => new PlanRoutingChatClient(Options.Planner ?? Pipeline.ChatClient, Pipeline.ChatClient);

    protected override ISourceBlock<ToolPipelineEvent> LinkAfterParse(ISourceBlock<ToolPipelineEvent> tail, DataflowLinkOptions linkOptions) =>
        tail.LinkThrough(PlanStepBlock.Create(Pipeline.ToolArray, Options.TaskScheduler), linkOptions);

    protected override void OnTurnCompleted(TurnCompleted completed)
    {
        if (_planTurns.Contains(completed.Turn) && completed.HasToolCalls)
        {
            // The plan has run, join included: the answering model reads the results.
            _nextIsPlan = false;
            NextTurn();
        }
        else if (!_planTurns.Contains(completed.Turn) && PlanPrompts.IsReplan(completed.Response.Message) && _replans < Options.MaxReplans)
        {
            _replans++;
            _nextIsPlan = true;
            NextTurn();
        }
        else
        {
            Finish(RunCompletionReason.FinalAnswer);
        }
    }

    protected override ModelRequest NextRequest() => _nextIsPlan ? PlanRequest() : JoinRequest();

    private ModelRequest PlanRequest()
    {
        _planTurns.Add(Turn);
        ChatOptions options = ChatOptions.Clone();
        options.Tools = null;
        (options.AdditionalProperties ??= [])[PlanRoutingChatClient.PhaseKey] = PlanRoutingChatClient.PlanPhase;
        List<ChatMessage> messages = [new(ChatRole.System, PlanPrompts.Planner(Pipeline.ToolArray)), .. _question];
        if (_replans > 0)
        {
            // A replan sees what the earlier plans found and why the answer asked for more.
            messages.AddRange(History.Skip(_question.Length));
        }

        return new ModelRequest(Turn, messages, options);
    }

    private ModelRequest JoinRequest() =>
        new(Turn, [.. History, new ChatMessage(ChatRole.System, PlanPrompts.Joiner)], ChatOptions);
}
