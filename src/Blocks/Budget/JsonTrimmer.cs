using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ToolFlow.Blocks;

/// <summary>
/// Keeps the document's shape and caps every array's items and every string's characters, from their end; the caps
/// shrink together (longest first) until the document and its note fit. The note lists where the cuts were.
/// </summary>
internal sealed class JsonTrimmer : ToolResultTrimmer
{
    public const string StrategyName = "json";

    // Strings are never cut below this many characters: a shorter stub says nothing.
    private const int MinStringChars = 32;

    // How many places the note names; the rest are counted.
    private const int MaxNotedPlaces = 5;

    private const int Steps = 1024;

    private static readonly JsonWriterOptions s_writerOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public override string Name => StrategyName;

    public override ValueTask<string> TrimAsync(ToolResultTrimRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(request.Text);
        }
        catch (JsonException)
        {
            return new(HeadAndTailTrimmer.Trim(request));
        }

        if (root is null or JsonValue)
        {
            return new(HeadAndTailTrimmer.Trim(request));
        }

        var sizes = new Sizes();
        sizes.Measure(root);

        // A first guess on characters (the original's characters per token), then exact counts downwards.
        double charsPerToken = (double)request.Text.Length / Math.Max(1, request.Tokens);
        int low = 0, high = Steps;
        while (low < high)
        {
            int mid = (low + high + 1) / 2;
            int estimate = (int)(Write(root, sizes.Caps(mid), null).Length / charsPerToken);
            if (estimate <= request.BudgetTokens)
            {
                low = mid;
            }
            else
            {
                high = mid - 1;
            }
        }

        for (int step = low; step >= 0; step = step == 0 ? -1 : step * 7 / 8)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var cuts = new Cuts();
            string json = Write(root, sizes.Caps(step), cuts);
            string text = json + "\n" + Note(request, cuts);
            if (request.Counter.CountTokens(text) <= request.BudgetTokens)
            {
                return new(text);
            }
        }

        return new(HeadAndTailTrimmer.Trim(request));
    }

    private static string Note(ToolResultTrimRequest request, Cuts cuts)
    {
        var note = new StringBuilder(256);
        note.Append(CultureInfo.InvariantCulture, $"[ToolFlow cut this JSON result from {request.Tokens:N0} tokens to fit its budget of {request.BudgetTokens:N0}:");
        int named = 0;
        foreach ((string path, int dropped, int total) in cuts.Arrays)
        {
            if (named++ < MaxNotedPlaces)
            {
                note.Append(CultureInfo.InvariantCulture, $" dropped the last {dropped:N0} of {total:N0} items of {path};");
            }
        }

        foreach ((string path, int dropped, int total) in cuts.Strings)
        {
            if (named++ < MaxNotedPlaces)
            {
                note.Append(CultureInfo.InvariantCulture, $" cut the last {dropped:N0} of {total:N0} characters of {path};");
            }
        }

        if (named > MaxNotedPlaces)
        {
            note.Append(CultureInfo.InvariantCulture, $" and {named - MaxNotedPlaces:N0} more places;");
        }

        note.Length--;
        note.Append(". ").Append(request.ReferenceNote).Append(']');
        return note.ToString();
    }

    private static string Write(JsonNode root, (int Items, int Chars) caps, Cuts? cuts)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer, s_writerOptions))
        {
            var path = new List<string>(8) { "$" };
            Write(writer, root, caps, cuts, path);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void Write(Utf8JsonWriter writer, JsonNode? node, (int Items, int Chars) caps, Cuts? cuts, List<string> path)
    {
        switch (node)
        {
            case null:
                writer.WriteNullValue();
                break;
            case JsonObject obj:
                writer.WriteStartObject();
                foreach ((string name, JsonNode? value) in obj)
                {
                    writer.WritePropertyName(name);
                    path.Add("." + name);
                    Write(writer, value, caps, cuts, path);
                    path.RemoveAt(path.Count - 1);
                }

                writer.WriteEndObject();
                break;
            case JsonArray array:
                writer.WriteStartArray();
                int kept = Math.Min(array.Count, caps.Items);
                for (int i = 0; i < kept; i++)
                {
                    path.Add(string.Create(CultureInfo.InvariantCulture, $"[{i}]"));
                    Write(writer, array[i], caps, cuts, path);
                    path.RemoveAt(path.Count - 1);
                }

                writer.WriteEndArray();
                if (kept < array.Count)
                {
                    cuts?.Arrays.Add((string.Concat(path), array.Count - kept, array.Count));
                }

                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                string s = value.GetValue<string>();
                if (s.Length > caps.Chars)
                {
                    // Never split a surrogate pair.
                    int keep = char.IsHighSurrogate(s[caps.Chars - 1]) ? caps.Chars - 1 : caps.Chars;
                    writer.WriteStringValue(s.AsSpan(0, keep));
                    cuts?.Strings.Add((string.Concat(path), s.Length - keep, s.Length));
                }
                else
                {
                    writer.WriteStringValue(s);
                }

                break;
            default:
                node.WriteTo(writer);
                break;
        }
    }

    /// <summary>The longest array and string, which the caps scale from.</summary>
    private sealed class Sizes
    {
        private int _maxItems;
        private int _maxChars = MinStringChars;

        public void Measure(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject obj:
                    foreach (KeyValuePair<string, JsonNode?> pair in obj)
                    {
                        Measure(pair.Value);
                    }

                    break;
                case JsonArray array:
                    _maxItems = Math.Max(_maxItems, array.Count);
                    foreach (JsonNode? item in array)
                    {
                        Measure(item);
                    }

                    break;
                case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                    _maxChars = Math.Max(_maxChars, value.GetValue<string>().Length);
                    break;
            }
        }

        // Step 0 keeps no items and the shortest strings; step Steps keeps everything.
        public (int Items, int Chars) Caps(int step) =>
            ((int)((long)_maxItems * step / Steps), MinStringChars + (int)((long)(_maxChars - MinStringChars) * step / Steps));
    }

    /// <summary>What one write dropped, in document order.</summary>
    private sealed class Cuts
    {
        public List<(string Path, int Dropped, int Total)> Arrays { get; } = [];

        public List<(string Path, int Dropped, int Total)> Strings { get; } = [];
    }
}
