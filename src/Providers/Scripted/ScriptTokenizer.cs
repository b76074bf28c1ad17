namespace ToolFlow.Providers.Scripted;

/// <summary>
/// Cuts text into token-sized pieces the way a BPE vocabulary roughly does: leading white space joins the next
/// piece, a word is cut every few letters, and each punctuation mark stands alone.
/// </summary>
internal static class ScriptTokenizer
{
    public static IEnumerable<int> Split(string text, int maxWordPiece)
    {
        int i = 0;
        while (i < text.Length)
        {
            int start = i;
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            if (i < text.Length)
            {
                if (char.IsLetterOrDigit(text[i]))
                {
                    int word = 0;
                    while (i < text.Length && char.IsLetterOrDigit(text[i]) && word < maxWordPiece)
                    {
                        i++;
                        word++;
                    }
                }
                else
                {
                    // Keep surrogate pairs whole.
                    i += char.IsHighSurrogate(text[i]) && i + 1 < text.Length ? 2 : 1;
                }
            }

            yield return i - start;
        }
    }
}
