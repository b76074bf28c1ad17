using System.Text.Json.Nodes;

namespace ToolFlow.StreamParsers.Tests;

/// <summary>A generated tool call: the truth a rendering is parsed back to.</summary>
internal sealed record GeneratedCall(string Name, JsonObject Arguments)
{
    public override string ToString() => $"{Name}({Arguments.ToJsonString()})";
}

/// <summary>
/// A generated response: text, then a call, then text, and so on (<see cref="Texts"/> has one more entry than
/// <see cref="Calls"/>). <see cref="Seed"/> drives the choices a renderer makes (how it splits arguments into events,
/// which escapes it uses).
/// </summary>
internal sealed record GeneratedResponse(IReadOnlyList<string> Texts, IReadOnlyList<GeneratedCall> Calls, int Seed)
{
    public string Text => string.Concat(Texts);

    public override string ToString() =>
        string.Join(" | ", Texts.Select((t, i) => i < Calls.Count ? $"\"{t}\" {Calls[i]}" : $"\"{t}\""));
}
