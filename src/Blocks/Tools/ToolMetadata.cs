using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace ToolFlow.Blocks;

/// <summary>
/// Reads a tool's effects from what its <see cref="AIFunction"/> carries, for <see cref="ToolDescriptor.FromMetadata"/>:
/// the MCP hints in its additional properties, then a <see cref="ToolEffectsAttribute"/> on its underlying method,
/// then the annotations of an MCP SDK client tool. The first source that says anything decides.
/// </summary>
internal static class ToolMetadata
{
    private static readonly Lazy<McpClientToolShape?> s_mcpClientTool = new(McpClientToolShape.Find);

    /// <summary>The tool's effects, or <see langword="null"/> when nothing about it says.</summary>
    public static ToolEffects? ReadEffects(AIFunction function) =>
        FromProperties(function.AdditionalProperties)
        ?? function.UnderlyingMethod?.GetCustomAttribute<ToolEffectsAttribute>(inherit: true)?.Effects
        ?? s_mcpClientTool.Value?.ReadEffects(function);

    /// <summary>Maps MCP's three hints onto effects; <see langword="null"/> when none is given.</summary>
    public static ToolEffects? FromHints(bool? readOnlyHint, bool? idempotentHint, bool? destructiveHint)
    {
        if (readOnlyHint is null && idempotentHint is null && destructiveHint is null)
        {
            return null;
        }

        // A tool that says it only reads and also that it may destroy contradicts itself: the read-only claim goes.
        // A non-destructive tool may still add things on every call, so only the idempotent hint makes it repeatable.
        return readOnlyHint == true && destructiveHint != true ? ToolEffects.ReadOnly
            : idempotentHint == true ? ToolEffects.Idempotent
            : ToolEffects.SideEffecting;
    }

    private static ToolEffects? FromProperties(IReadOnlyDictionary<string, object?> properties) =>
        properties.Count == 0
            ? null
            : FromHints(Hint(properties, ToolHints.ReadOnlyHint), Hint(properties, ToolHints.IdempotentHint), Hint(properties, ToolHints.DestructiveHint));

    // A hint is a bool, or a JSON true or false (as deserialized metadata holds it); any other value is no hint.
    private static bool? Hint(IReadOnlyDictionary<string, object?> properties, string key) =>
        properties.TryGetValue(key, out object? value) ? value switch
        {
            bool b => b,
            JsonElement { ValueKind: JsonValueKind.True } => true,
            JsonElement { ValueKind: JsonValueKind.False } => false,
            JsonValue node when node.GetValueKind() is JsonValueKind.True or JsonValueKind.False => node.GetValueKind() == JsonValueKind.True,
            _ => null,
        }
        : null;

    /// <summary>
    /// The <c>ModelContextProtocol</c> SDK's <c>McpClientTool</c> keeps its annotations on its
    /// <c>ProtocolTool.Annotations</c>, not in its additional properties. It is read by name, so this assembly takes no
    /// dependency on the SDK; if the SDK is absent or its shape changes, its tools read as unannotated.
    /// </summary>
    private sealed class McpClientToolShape
    {
        private readonly Type _toolType;
        private readonly PropertyInfo _protocolTool;
        private readonly PropertyInfo _annotations;
        private readonly PropertyInfo _readOnly;
        private readonly PropertyInfo _idempotent;
        private readonly PropertyInfo _destructive;

        private McpClientToolShape(Type toolType, PropertyInfo protocolTool, PropertyInfo annotations, PropertyInfo readOnly, PropertyInfo idempotent, PropertyInfo destructive)
        {
            _toolType = toolType;
            _protocolTool = protocolTool;
            _annotations = annotations;
            _readOnly = readOnly;
            _idempotent = idempotent;
            _destructive = destructive;
        }

        public static McpClientToolShape? Find()
        {
            Type? toolType;
            try
            {
                toolType = Type.GetType("ModelContextProtocol.Client.McpClientTool, ModelContextProtocol.Core", throwOnError: false);
            }
            catch (Exception e) when (e is IOException or BadImageFormatException)
            {
                return null;
            }

            PropertyInfo? protocolTool = toolType?.GetProperty("ProtocolTool");
            PropertyInfo? annotations = protocolTool?.PropertyType.GetProperty("Annotations");
            PropertyInfo? readOnly = Flag(annotations, "ReadOnlyHint");
            PropertyInfo? idempotent = Flag(annotations, "IdempotentHint");
            PropertyInfo? destructive = Flag(annotations, "DestructiveHint");
            return toolType is null || protocolTool is null || annotations is null || readOnly is null || idempotent is null || destructive is null
                ? null
                : new McpClientToolShape(toolType, protocolTool, annotations, readOnly, idempotent, destructive);
        }

        public ToolEffects? ReadEffects(AIFunction function)
        {
            // GetService finds the SDK's tool through delegating wrappers too.
            object? tool = function.GetService(_toolType);
            object? annotations = tool is null || _protocolTool.GetValue(tool) is not { } protocol ? null : _annotations.GetValue(protocol);
            return annotations is null
                ? null
                : FromHints((bool?)_readOnly.GetValue(annotations), (bool?)_idempotent.GetValue(annotations), (bool?)_destructive.GetValue(annotations));
        }

        private static PropertyInfo? Flag(PropertyInfo? owner, string name) =>
            owner?.PropertyType.GetProperty(name) is { } flag && flag.PropertyType == typeof(bool?) ? flag : null;
    }
}
