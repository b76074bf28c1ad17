using Microsoft.Extensions.AI;

namespace ToolFlow.WireTesting;

/// <summary>Checks on a conversation's history.</summary>
public static class Conversation
{
    /// <summary>
    /// Asserts the history is consistent: every call has exactly one result, in a later message, and every result
    /// answers a call.
    /// </summary>
    /// <param name="messages">The history.</param>
    public static void AssertConsistent(IReadOnlyList<ChatMessage> messages)
    {
        var calls = new Dictionary<string, int>();
        var results = new Dictionary<string, int>();
        for (int i = 0; i < messages.Count; i++)
        {
            foreach (AIContent content in messages[i].Contents)
            {
                switch (content)
                {
                    case FunctionCallContent call:
                        Assert.True(calls.TryAdd(call.CallId, i), $"The call id {call.CallId} appears twice.");
                        break;
                    case FunctionResultContent result:
                        Assert.True(results.TryAdd(result.CallId, i), $"The call {result.CallId} has two results.");
                        Assert.True(calls.TryGetValue(result.CallId, out int at) && at < i, $"The result for {result.CallId} answers no earlier call.");
                        break;
                }
            }
        }

        Assert.Equal(calls.Keys.Order(), results.Keys.Order());
    }
}
