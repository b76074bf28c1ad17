using ToolFlow.Providers.Scripted;

namespace ToolFlow.Ledger.CrashHost;

/// <summary>
/// The conversation: three turns of parallel calls mixing all four tools, then an answer. Every call has its own tag,
/// so an effect in the world names the call it belongs to.
/// </summary>
internal static class CrashScript
{
    public const string Prompt = "Settle the accounts and tell everyone.";

    public static ScriptedResponse[] Turns() =>
    [
        new ScriptedResponse().Text("Looking things up.")
            .Call("lookup", """{"tag":"t1-lookup-a","ms":15}""")
            .Call("lookup", """{"tag":"t1-lookup-b","ms":25}""")
            .Call("normalize", """{"tag":"t1-normalize","ms":10}""")
            .Call("charge", """{"tag":"t1-charge","ms":20}""")
            .Call("email", """{"tag":"t1-email","ms":20}"""),
        new ScriptedResponse().Text("Charging the second account.")
            .Call("charge", """{"tag":"t2-charge","ms":15}""")
            .Call("lookup", """{"tag":"t2-lookup","ms":20}""")
            .Call("email", """{"tag":"t2-email","ms":15}""")
            .Call("normalize", """{"tag":"t2-normalize","ms":10}"""),
        new ScriptedResponse().Text("Last checks.")
            .Call("email", """{"tag":"t3-email","ms":10}""")
            .Call("lookup", """{"tag":"t3-lookup","ms":10}""")
            .Call("charge", """{"tag":"t3-charge","ms":10}"""),
        new ScriptedResponse().Text("All accounts are settled and everyone was told."),
    ];
}
