using System.Security.Cryptography;
using System.Text;
using ToolFlow.Blocks;

namespace ToolFlow.Pipeline;

/// <summary>
/// Derives a call's idempotency key from its run and its identity (turn, position, tool, canonical arguments), not its
/// call id: a provider may mint new ids when a resumed run asks it again, and the same call must get the same key.
/// </summary>
internal static class IdempotencyKeys
{
    public static string Derive(string runId, ToolCall call)
    {
        string arguments = call.Arguments is null ? call.ArgumentsJson : CanonicalJson.ToText(call.Arguments);
        string identity = string.Join('\n', runId, call.Turn, call.Index, call.Name, arguments);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity)), 0, 16);
    }
}
