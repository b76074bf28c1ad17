using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace ToolFlow.Blocks;

/// <summary>Arguments as canonical JSON text (object keys sorted, no white space), so identical calls compare equal.</summary>
/// <remarks>
/// Strings are written unescaped then escaped again by one encoder, so <c>"\u0041"</c> and <c>"A"</c> agree; numbers
/// keep their text. The only allocation for the usual arguments (JSON values, objects of one property) is the result.
/// </remarks>
internal static class CanonicalJson
{
    // Per thread: the block calls this under its gate, and other blocks may do so at the same time on other threads.
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    // A buffer grown past this by one huge call is dropped rather than kept for the thread's lifetime.
    private const int RetainedBufferBytes = 16 * 1024;

    public static string Of(IReadOnlyDictionary<string, object?>? arguments)
    {
        ArrayBufferWriter<byte> buffer = t_buffer ??= new ArrayBufferWriter<byte>(256);
        buffer.ResetWrittenCount();
        Utf8JsonWriter writer = t_writer ??= new Utf8JsonWriter(buffer);
        writer.Reset(buffer);
        writer.WriteStartObject();
        if (arguments is { Count: 1 } && arguments is Dictionary<string, object?> single)
        {
            foreach (KeyValuePair<string, object?> pair in single)
            {
                writer.WritePropertyName(pair.Key);
                WriteValue(writer, pair.Value);
            }
        }
        else if (arguments is { Count: > 0 })
        {
            string[] names = ArrayPool<string>.Shared.Rent(arguments.Count);
            int count = 0;
            foreach (string name in arguments.Keys)
            {
                names[count++] = name;
            }

            Array.Sort(names, 0, count, StringComparer.Ordinal);
            for (int i = 0; i < count; i++)
            {
                writer.WritePropertyName(names[i]);
                WriteValue(writer, arguments[names[i]]);
            }

            ArrayPool<string>.Shared.Return(names, clearArray: true);
        }

        writer.WriteEndObject();
        writer.Flush();
        string text = Encoding.UTF8.GetString(buffer.WrittenSpan);
        if (buffer.Capacity > RetainedBufferBytes)
        {
            t_buffer = null;
            t_writer = null;
        }

        return text;
    }

    private static void WriteValue(Utf8JsonWriter writer, object? value) =>
        Write(writer, value is JsonElement element ? element : JsonSerializer.SerializeToElement(value, AIJsonUtilities.DefaultOptions));

    private static void Write(Utf8JsonWriter writer, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                WriteObject(writer, value);
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (JsonElement item in value.EnumerateArray())
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                // A string is unescaped and escaped again by the writer; numbers and literals keep their text.
                value.WriteTo(writer);
                break;
        }
    }

    private static void WriteObject(Utf8JsonWriter writer, JsonElement value)
    {
        writer.WriteStartObject();
        int count = 0;
        foreach (JsonProperty property in value.EnumerateObject())
        {
            count++;
        }

        if (count == 1)
        {
            foreach (JsonProperty property in value.EnumerateObject())
            {
                writer.WritePropertyName(property.Name);
                Write(writer, property.Value);
            }
        }
        else if (count > 1)
        {
            JsonProperty[] properties = ArrayPool<JsonProperty>.Shared.Rent(count);
            int n = 0;
            foreach (JsonProperty property in value.EnumerateObject())
            {
                properties[n++] = property;
            }

            Array.Sort(properties, 0, n, PropertyNameComparer.Instance);
            for (int i = 0; i < n; i++)
            {
                writer.WritePropertyName(properties[i].Name);
                Write(writer, properties[i].Value);
            }

            ArrayPool<JsonProperty>.Shared.Return(properties, clearArray: true);
        }

        writer.WriteEndObject();
    }

    private sealed class PropertyNameComparer : IComparer<JsonProperty>
    {
        public static readonly PropertyNameComparer Instance = new();

        public int Compare(JsonProperty x, JsonProperty y) => string.CompareOrdinal(x.Name, y.Name);
    }
}
