namespace ToolFlow.Blocks;

/// <summary>
/// Declares what a .NET method does when it runs as a tool, so a function made from it with
/// <c>AIFunctionFactory.Create</c> starts early without a descriptor: <see cref="ToolDescriptor.FromMetadata"/> reads
/// it from the function's <c>UnderlyingMethod</c>.
/// </summary>
/// <example>
/// <code>
/// [ToolEffects(ToolEffects.ReadOnly)]
/// static string GetWeather(string city) => ...;
///
/// builder.AddTool(AIFunctionFactory.Create(GetWeather)); // starts the instant its call closes
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = true)]
public sealed class ToolEffectsAttribute : Attribute
{
    /// <summary>Declares the method's effects.</summary>
    /// <param name="effects">What running the method does.</param>
    public ToolEffectsAttribute(ToolEffects effects)
    {
        Effects = OptionsValidation.Defined(effects);
    }

    /// <summary>What running the method does.</summary>
    public ToolEffects Effects { get; }
}
