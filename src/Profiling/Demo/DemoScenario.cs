using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using ToolFlow.Providers.Scripted;
using ToolFlow.Tokenizers;

namespace ToolFlow.Profiling;

/// <summary>
/// The demo conversation: a trip-planning request whose first response calls four tools spread through text that
/// keeps streaming, and whose second turn answers from the results. The tools compute real answers from local
/// tables and take a fixed service latency on the injected clock.
/// </summary>
public static class DemoScenario
{
    /// <summary>The user's request.</summary>
    public const string UserPrompt =
        "I'm flying from London to Lisbon on Friday 27 November for three nights. What's the weather, the best flight, a hotel under 180 EUR a night, and what is my 500 GBP budget in euros?";

    /// <summary>Each tool's fixed service latency, by tool name.</summary>
    public static IReadOnlyDictionary<string, TimeSpan> Latencies { get; } = new Dictionary<string, TimeSpan>(StringComparer.Ordinal)
    {
        ["get_weather"] = TimeSpan.FromMilliseconds(350),
        ["search_flights"] = TimeSpan.FromMilliseconds(800),
        ["find_hotels"] = TimeSpan.FromMilliseconds(600),
        ["convert_currency"] = TimeSpan.FromMilliseconds(150),
    };

    /// <summary>The scripted model's speed: 300 ms to the first token, then 60 o200k_base tokens a second.</summary>
    /// <param name="timeProvider">The clock it streams on.</param>
    /// <param name="shape">How it streams tool calls.</param>
    /// <returns>The options.</returns>
    public static ScriptedModelOptions ModelOptions(TimeProvider timeProvider, ScriptedToolCallShape shape = ScriptedToolCallShape.OpenAIDeltas) => new()
    {
        TimeProvider = timeProvider,
        TimeToFirstToken = TimeSpan.FromMilliseconds(300),
        TokensPerSecond = 60,
        Tokenizer = TiktokenCounter.O200kBase,
        CallShape = shape,
    };

    /// <summary>The scripted model: the four calls amid text on the first turn, an answer from the results after.</summary>
    /// <param name="timeProvider">The clock it streams on.</param>
    /// <param name="shape">How it streams tool calls.</param>
    /// <returns>The model.</returns>
    public static ScriptedChatClient CreateModel(TimeProvider timeProvider, ScriptedToolCallShape shape = ScriptedToolCallShape.OpenAIDeltas) =>
        new(Respond, ModelOptions(timeProvider, shape));

    /// <summary>The system prompt and the user's request.</summary>
    public static IReadOnlyList<ChatMessage> Conversation { get; } =
    [
        new(ChatRole.System, "You are a travel assistant. Use the tools; answer briefly."),
        new(ChatRole.User, UserPrompt),
    ];

    /// <summary>The four tools (weather, flights, hotels, currency), each with its latency on the clock.</summary>
    /// <param name="timeProvider">The clock the latencies run on.</param>
    /// <returns>The tools.</returns>
    public static IReadOnlyList<AIFunction> CreateTools(TimeProvider timeProvider)
    {
        AIFunction WithLatency(AIFunction tool) => new SimulatedLatencyFunction(tool, Latencies[tool.Name], timeProvider);

        return
        [
            WithLatency(AIFunctionFactory.Create(TravelData.Weather, "get_weather", "The weather forecast for a city.")),
            WithLatency(AIFunctionFactory.Create(TravelData.Flights, "search_flights", "Flights between two airports on a date (yyyy-mm-dd), cheapest first.")),
            WithLatency(AIFunctionFactory.Create(TravelData.Hotels, "find_hotels", "Hotels in a city under a nightly price in EUR, best rated first.")),
            WithLatency(AIFunctionFactory.Create(TravelData.Convert, "convert_currency", "Converts an amount between currencies at today's reference rate.")),
        ];
    }

    /// <summary>The plan of a finished run, for its lower bound: each stream's decode and call closings, with the tools' latencies.</summary>
    /// <param name="model">The model of the run, holding its streams.</param>
    /// <returns>One plan per turn.</returns>
    public static IReadOnlyList<TurnPlan> PlanOf(ScriptedChatClient model) =>
        [.. model.Streams.Select(s => new TurnPlan(
            s.DecodeDuration,
            [.. s.CallClosedOffsets.Select((closed, i) => new PlannedCall(closed, Latencies.GetValueOrDefault(s.CallNames[i])))]))];

    private static ScriptedResponse Respond(IReadOnlyList<ChatMessage> messages)
    {
        int turn = ScriptedChatClient.TurnOf(messages);
        if (turn == 1)
        {
            return new ScriptedResponse()
                .Text("Happy to help plan Lisbon! I'll check the weather first.")
                .Call("get_weather", """{"city": "Lisbon"}""")
                .Text(" Next, flights from Heathrow on Friday the 27th.")
                .Call("search_flights", """{"from": "LHR", "to": "LIS", "date": "2026-11-27"}""")
                .Text(" I'm also looking for a hotel for three nights near the centre, within your 180 euro budget.")
                .Call("find_hotels", """{"city": "Lisbon", "nights": 3, "maxPricePerNight": 180}""")
                .Text(" And let me convert your 500 pounds to euros so the numbers line up.")
                .Call("convert_currency", """{"amount": 500, "from": "GBP", "to": "EUR"}""")
                .Text(" Once these come back I'll put together a plan with the best flight, a hotel that fits, and what to pack.");
        }

        return new ScriptedResponse().Text(Summarize(messages));
    }

    private static string Summarize(IReadOnlyList<ChatMessage> messages)
    {
        var results = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (ChatMessage message in messages)
        {
            foreach (AIContent content in message.Contents)
            {
                if (content is FunctionCallContent call)
                {
                    names[call.CallId] = call.Name;
                }
                else if (content is FunctionResultContent result && names.TryGetValue(result.CallId, out string? name))
                {
                    results[name] = JsonSerializer.SerializeToElement(result.Result, AIJsonUtilities.DefaultOptions);
                }
            }
        }

        var text = new StringBuilder("Here's your plan. ");
        CultureInfo c = CultureInfo.InvariantCulture;
        if (results.TryGetValue("get_weather", out JsonElement weather) && weather.ValueKind == JsonValueKind.Object)
        {
            text.Append(c, $"Lisbon will be {weather.GetProperty("forecast").GetString()}, {weather.GetProperty("lowC")} to {weather.GetProperty("highC")} °C. ");
        }

        if (results.TryGetValue("search_flights", out JsonElement flights) && flights.ValueKind == JsonValueKind.Array && flights.GetArrayLength() > 0)
        {
            JsonElement best = flights[0];
            text.Append(c, $"Take {best.GetProperty("flight").GetString()} at {best.GetProperty("departs").GetString()} for {best.GetProperty("priceEur")} EUR. ");
        }

        if (results.TryGetValue("find_hotels", out JsonElement hotels) && hotels.ValueKind == JsonValueKind.Array && hotels.GetArrayLength() > 0)
        {
            JsonElement hotel = hotels[0];
            text.Append(c, $"Stay at {hotel.GetProperty("name").GetString()} ({hotel.GetProperty("rating")}/5) for {hotel.GetProperty("totalEur")} EUR in all. ");
        }

        if (results.TryGetValue("convert_currency", out JsonElement money) && money.ValueKind == JsonValueKind.Object)
        {
            text.Append(c, $"Your 500 GBP is {money.GetProperty("converted")} EUR.");
        }

        if (results.Count < 4)
        {
            text.Append(" Some lookups failed, so parts of this plan are missing.");
        }

        return text.ToString();
    }
}
