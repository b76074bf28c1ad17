namespace ToolFlow.Blocks;

/// <summary>
/// Splits a turn's budget among its results by water-filling, deterministically: fixed results (errors, placeholders)
/// take what they are; of the rest, taken from the smallest, each that fits an equal share of what is left stays whole;
/// the others share the remainder equally, the odd tokens going to the earliest in call order. No share is below
/// <see cref="ToolResultMergeBlockOptions.MinimumResultTokens"/> (where a note still fits), so many large results may
/// add more than the budget.
/// </summary>
internal static class TurnShares
{
    public static int[] Split(int[] tokens, bool[] cuttable, int budget)
    {
        int[] shares = (int[])tokens.Clone();
        long remaining = budget;
        var open = new List<int>();
        for (int i = 0; i < tokens.Length; i++)
        {
            if (cuttable[i])
            {
                open.Add(i);
            }
            else
            {
                remaining -= tokens[i];
            }
        }

        // Smallest first; equal sizes in call order.
        open.Sort((a, b) => tokens[a] != tokens[b] ? tokens[a].CompareTo(tokens[b]) : a.CompareTo(b));
        int k = 0;
        for (; k < open.Count; k++)
        {
            long share = Math.Max(0, remaining) / (open.Count - k);
            if (tokens[open[k]] > share)
            {
                break;
            }

            remaining -= tokens[open[k]];
        }

        if (k < open.Count)
        {
            var rest = open.GetRange(k, open.Count - k);
            rest.Sort();
            long left = Math.Max(0, remaining);
            long each = left / rest.Count;
            long odd = left % rest.Count;
            for (int j = 0; j < rest.Count; j++)
            {
                long share = each + (j < odd ? 1 : 0);
                shares[rest[j]] = (int)Math.Max(ToolResultMergeBlockOptions.MinimumResultTokens, share);
            }
        }

        return shares;
    }
}
