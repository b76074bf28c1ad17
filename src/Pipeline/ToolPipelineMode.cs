namespace ToolFlow.Pipeline;

/// <summary>How a pipeline hands results back to the model.</summary>
public enum ToolPipelineMode
{
    /// <summary>
    /// The standard protocol: a turn's results go back together once every call has ended; each call still starts
    /// the moment it closes. The default.
    /// </summary>
    Await,

    /// <summary>
    /// AsyncFC futures: when a response ends with calls still running, each gets a future placeholder and the next
    /// turn starts at once. A future passed as an argument makes only that call wait; <c>await_future</c> gives the
    /// model a value mid-turn; a future's value replaces its placeholder before any later turn; the final answer never
    /// stands on an unresolved future.
    /// </summary>
    Futures,

    /// <summary>
    /// LLMCompiler plans: a planner streams a numbered plan whose steps refer to earlier results as <c>$N</c>; each step
    /// starts as soon as it is parsed and its inputs are ready; a join step then answers, or replans up to
    /// <see cref="ToolPipelineOptions.MaxReplans"/> times.
    /// </summary>
    Plan,
}
