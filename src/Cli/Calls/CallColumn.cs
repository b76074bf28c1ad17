using Spectre.Console.Rendering;

namespace ToolFlow.Cli.Calls;

/// <summary>A column of the calls table: its header, its cell for a row, and whether it shows at all.</summary>
/// <param name="Header">The header.</param>
/// <param name="Cell">The cell of a row.</param>
/// <param name="Shown">Whether the column shows for these rows (a column most runs leave empty stays hidden).</param>
internal sealed record CallColumn(string Header, Func<CallRow, IRenderable> Cell, Func<IReadOnlyList<CallRow>, bool> Shown);
