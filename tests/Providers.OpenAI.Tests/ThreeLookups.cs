namespace ToolFlow.Providers.OpenAI.Tests;

/// <summary>
/// One response that calls <c>lookup</c> three times (<c>a</c>, <c>b</c>, <c>c</c>), each call's arguments in
/// pieces, then text, in each OpenAI wire format. With a tool to wait for, the server holds the rest of the body
/// after each call's closing piece until that call's tool has started: the response cannot end before all three
/// started, so a test that finishes has shown they started mid-stream.
/// </summary>
public static class ThreeLookups
{
    /// <summary>The queries, in call order.</summary>
    public static readonly string[] Queries = ["a", "b", "c"];

    /// <summary>The call ids, in call order.</summary>
    public static readonly string[] CallIds = ["call_a", "call_b", "call_c"];

    /// <summary>The text after the calls.</summary>
    public const string Text = "All three are under way.";

    /// <summary>The chat-completions response.</summary>
    /// <param name="waitFor">Whose starts to wait for after each call closes, or <see langword="null"/> to stream straight through.</param>
    /// <param name="gates">Receives, per query, how many steps precede its wait.</param>
    /// <returns>The response.</returns>
    public static SseHttpResponse Chat(LookupTool? waitFor, Dictionary<string, int>? gates = null)
    {
        var response = new SseHttpResponse().Event(Chunks.Role());
        for (int i = 0; i < Queries.Length; i++)
        {
            response.Event(Chunks.CallStart(i, CallIds[i], "lookup", "{\"q\":"))
                .Event(Chunks.CallArguments(i, $" \"{Queries[i]}\""))
                .Event(Chunks.CallArguments(i, "}"));
            Gate(response, waitFor, Queries[i], gates);
        }

        return response.Event(Chunks.Text(Text)).Event(Chunks.Finish("tool_calls")).Event(Chunks.Usage(30, 20)).Done();
    }

    /// <summary>The Responses API response.</summary>
    /// <param name="waitFor">Whose starts to wait for after each call's closing delta, or <see langword="null"/> to stream straight through.</param>
    /// <param name="gates">Receives, per query, how many steps precede its wait.</param>
    /// <param name="afterItemDone">Wait after each call's <c>response.output_item.done</c> instead of its closing delta.</param>
    /// <returns>The response.</returns>
    public static SseHttpResponse Responses(LookupTool? waitFor, Dictionary<string, int>? gates = null, bool afterItemDone = false)
    {
        var events = new ResponsesEvents();
        var response = new SseHttpResponse().Raw(events.Created()).Raw(events.InProgress());
        for (int i = 0; i < Queries.Length; i++)
        {
            string arguments = $"{{\"q\": \"{Queries[i]}\"}}";
            response.Raw(events.CallAdded(i, CallIds[i], "lookup"))
                .Raw(events.ArgumentsDelta(i, CallIds[i], "{\"q\":"))
                .Raw(events.ArgumentsDelta(i, CallIds[i], $" \"{Queries[i]}\""))
                .Raw(events.ArgumentsDelta(i, CallIds[i], "}"));
            if (!afterItemDone)
            {
                Gate(response, waitFor, Queries[i], gates);
            }

            response.Raw(events.ArgumentsDone(i, CallIds[i], arguments)).Raw(events.CallDone(i, CallIds[i], "lookup", arguments));
            if (afterItemDone)
            {
                Gate(response, waitFor, Queries[i], gates);
            }
        }

        int message = Queries.Length;
        return response.Raw(events.MessageAdded(message, "msg_1"))
            .Raw(events.TextDelta(message, "msg_1", Text))
            .Raw(events.MessageDone(message, "msg_1", Text))
            .Raw(events.Completed());
    }

    private static void Gate(SseHttpResponse response, LookupTool? waitFor, string q, Dictionary<string, int>? gates)
    {
        if (waitFor is not null)
        {
            gates?.Add(q, response.StepCount);
            response.WaitFor(waitFor.StartedAsync(q));
        }
    }
}
