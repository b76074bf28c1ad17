namespace ToolFlow.Profiling;

/// <summary>
/// One seeded draw of a scenario's randomness: every call's attempt latencies and failures. Every strategy of a run
/// gets the same draw, so they compare on the same work.
/// </summary>
internal sealed class ScenarioRealization
{
    private readonly Dictionary<(int Conversation, string CallId), CallDraw> _draws;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ScenarioLoad> _loads = new(StringComparer.Ordinal);

    private ScenarioRealization(int seed, Dictionary<(int, string), CallDraw> draws)
    {
        Seed = seed;
        _draws = draws;
    }

    /// <summary>The seed.</summary>
    public int Seed { get; }

    /// <summary>Draws every call of a scenario.</summary>
    /// <param name="scenario">The scenario.</param>
    /// <param name="seed">The seed; the same seed gives the same draw.</param>
    /// <returns>The draw.</returns>
    public static ScenarioRealization Sample(Scenario scenario, int seed)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var draws = new Dictionary<(int, string), CallDraw>();
        for (int c = 0; c < scenario.Conversations.Count; c++)
        {
            foreach (ScenarioCall call in scenario.Conversations[c].Turns.SelectMany(t => t.Calls))
            {
                var random = new Random(StableHash(seed, c, call.Id));
                draws[(c, call.Id)] = Draw(scenario.Tools[call.Tool], call, random);
            }
        }

        return new ScenarioRealization(seed, draws);
    }

    /// <summary>The draw of one call.</summary>
    /// <param name="conversation">The conversation's position in the scenario.</param>
    /// <param name="callId">The call's scenario id.</param>
    /// <returns>The draw.</returns>
    public CallDraw Of(int conversation, string callId) => _draws[(conversation, callId)];

    /// <summary>The shared load on an overloadable tool in this run (one service for every conversation), made on first use.</summary>
    /// <param name="tool">The tool's name.</param>
    /// <param name="overload">Its hidden capacity.</param>
    /// <param name="clock">The run's clock.</param>
    /// <returns>The load.</returns>
    public ScenarioLoad LoadOf(string tool, ScenarioOverload overload, TimeProvider clock) => _loads.GetOrAdd(tool, _ => new ScenarioLoad(overload, clock));

    /// <summary>The load on an overloadable tool in this run, if it was called.</summary>
    /// <param name="tool">The tool's name.</param>
    /// <returns>The load, or <see langword="null"/>.</returns>
    public ScenarioLoad? LoadOf(string tool) => _loads.GetValueOrDefault(tool);

    private static CallDraw Draw(ScenarioTool tool, ScenarioCall call, Random random)
    {
        var latencies = new List<TimeSpan>();
        TimeSpan duration = TimeSpan.Zero;
        int failed = 0;
        for (int attempt = 1; attempt <= tool.MaxRetries + 1; attempt++)
        {
            TimeSpan latency = call.Latency ?? tool.Latency.Sample(random);
            bool fails = attempt <= call.FailAttempts || (tool.FailureProbability > 0 && random.NextDouble() < tool.FailureProbability);
            latencies.Add(latency);
            duration += latency;
            if (!fails)
            {
                return new CallDraw(latencies, failed, true, duration);
            }

            failed++;
            if (attempt <= tool.MaxRetries)
            {
                // Exponential backoff without jitter: base, 2 base, 4 base, ...
                duration += tool.RetryBaseDelay * Math.Pow(2, attempt - 1);
            }
        }

        return new CallDraw(latencies, failed, false, duration);
    }

    private static int StableHash(int seed, int conversation, string id)
    {
        // FNV-1a: string.GetHashCode is randomized per process.
        uint hash = 2166136261;
        void Add(int value)
        {
            for (int i = 0; i < 4; i++)
            {
                hash = (hash ^ (byte)(value >> (8 * i))) * 16777619;
            }
        }

        Add(seed);
        Add(conversation);
        foreach (char ch in id)
        {
            Add(ch);
        }

        return (int)(hash & 0x7fffffff);
    }
}
