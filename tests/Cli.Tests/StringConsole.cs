using Spectre.Console;
using Spectre.Console.Rendering;

namespace ToolFlow.Cli.Tests;

/// <summary>A Spectre console that writes plain text (no colour, no cursor moves, not interactive) to a string.</summary>
public sealed class StringConsole
{
    private readonly StringWriter _text = new();

    public StringConsole()
    {
        Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(_text),
        });

        // Wide enough that no test's line wraps.
        Console.Profile.Width = 250;
    }

    /// <summary>The console.</summary>
    public IAnsiConsole Console { get; }

    /// <summary>Everything written so far.</summary>
    public string Text => _text.ToString();

    /// <summary>Renders one renderable to text.</summary>
    /// <param name="renderable">What to render.</param>
    /// <returns>The text.</returns>
    public static string Render(IRenderable renderable)
    {
        var console = new StringConsole();
        console.Console.Write(renderable);
        return console.Text;
    }
}
