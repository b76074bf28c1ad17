namespace ToolFlow.Cli;

/// <summary>Checks an output path (<c>--record</c>, <c>--timeline</c>) before a run starts, so a run is not lost at its end.</summary>
internal static class OutputFile
{
    /// <summary>Why a file cannot be written at <paramref name="path"/>, or <see langword="null"/> when it can.</summary>
    /// <param name="path">The path as the user gave it.</param>
    /// <returns>The reason, or <see langword="null"/>.</returns>
    public static string? Problem(string path)
    {
        try
        {
            string full = Path.GetFullPath(path);
            if (Directory.Exists(full))
            {
                return "it is a folder";
            }

            string? folder = Path.GetDirectoryName(full);
            if (folder is null || !Directory.Exists(folder))
            {
                return $"the folder '{folder}' does not exist";
            }

            // Opening it is the only honest test of permissions; a file made just for the test is removed again.
            bool existed = File.Exists(full);
            using (new FileStream(full, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite))
            {
            }

            if (!existed)
            {
                File.Delete(full);
            }

            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return TerminalText.OneLine(e.Message);
        }
    }
}
