using System.Text.Json;
using Microsoft.Extensions.AI;

namespace ToolFlow.Blocks;

/// <summary>
/// JSON settings for <c>Microsoft.Extensions.AI</c> messages that may hold ToolFlow's own content
/// (<see cref="ToolCallUpdateContent"/>, which ToolFlow's model clients stream): for middleware that serializes what
/// the model sends, such as <c>UseDistributedCache</c> placed between <c>UseToolPipeline</c> and the model.
/// </summary>
/// <example>
/// <code>
/// new ChatClientBuilder(model)
///     .UseToolPipeline()
///     .UseDistributedCache(cache, c => c.JsonSerializerOptions = ToolFlowJsonUtilities.DefaultOptions)
///     .Build();
/// </code>
/// </example>
public static class ToolFlowJsonUtilities
{
    /// <summary>The type discriminator <see cref="ToolCallUpdateContent"/> is written with.</summary>
    public const string ToolCallUpdateDiscriminator = "toolflow.toolCallUpdate";

    /// <summary><c>AIJsonUtilities.DefaultOptions</c> plus ToolFlow's content types; read-only.</summary>
    public static JsonSerializerOptions DefaultOptions { get; } = CreateDefaultOptions();

    /// <summary>Adds ToolFlow's content types to settings of your own.</summary>
    /// <param name="options">Settings that are not yet read-only.</param>
    public static void AddContentTypes(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AddAIContentType<ToolCallUpdateContent>(ToolCallUpdateDiscriminator);
    }

    private static JsonSerializerOptions CreateDefaultOptions()
    {
        var options = new JsonSerializerOptions(AIJsonUtilities.DefaultOptions);
        AddContentTypes(options);
        options.MakeReadOnly();
        return options;
    }
}
