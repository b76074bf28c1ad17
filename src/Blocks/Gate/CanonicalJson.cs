using System.Buffers;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace ToolFlow.Blocks;

/// <summary>
/// Arguments as canonical JSON (object keys sorted, no white space), so identical calls compare equal: a 64-bit hash to
/// find candidates, and a comparison of the canonical bytes to confirm one.
/// </summary>
/// <remarks>
/// Strings are written unescaped then escaped again by one encoder, so <c>"\u0041"</c> and <c>"A"</c> agree; numbers
/// keep their text. The canonical bytes go to buffers kept per thread: the usual arguments (JSON values, objects of one
/// property) allocate nothing.
/// </remarks>
internal static class CanonicalJson
{
    // Per thread: the block calls this under its gate, and other blocks may do so at the same time on other threads.
    // Two of each: a comparison writes both sides.
    [ThreadStatic]
    private static ArrayBufferWriter<byte>?[]? t_buffers;

    [ThreadStatic]
    private static Utf8JsonWriter?[]? t_writers;

    // A buffer grown past this by one huge call is dropped rather than kept for the thread's lifetime.
    private const int RetainedBufferBytes = 16 * 1024;

    /// <summary>The 64-bit FNV-1a hash of the arguments' canonical form.</summary>
    public static ulong Hash(IReadOnlyDictionary<string, object?>? arguments)
    {
        ulong hash = 14695981039346656037;
        foreach (byte b in Write(arguments, 0))
        {
            hash = (hash ^ b) * 1099511628211;
        }

        return hash;
    }

    /// <summary>Whether two sets of arguments have the same canonical form.</summary>
    public static bool Equal(IReadOnlyDictionary<string, object?>? a, IReadOnlyDictionary<string, object?>? b) =>
        Write(a, 0).SequenceEqual(Write(b, 1));

    /// <summary>The arguments' canonical form as text (for the ledger, which stores it).</summary>
    public static string ToText(IReadOnlyDictionary<string, object?>? arguments) => System.Text.Encoding.UTF8.GetString(Write(arguments, 0));

    // The canonical form in this thread's buffer for the slot, valid until the slot is written again.
    private static ReadOnlySpan<byte> Write(IReadOnlyDictionary<string, object?>? arguments, int slot)
    {
        ArrayBufferWriter<byte> buffer = (t_buffers ??= new ArrayBufferWriter<byte>?[2])[slot] ??= new ArrayBufferWriter<byte>(256);
        buffer.ResetWrittenCount();
        Utf8JsonWriter writer = (t_writers ??= new Utf8JsonWriter?[2])[slot] ??= new Utf8JsonWriter(buffer);
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
            if (arguments is Dictionary<string, object?> dictionary)
            {
                foreach (string name in dictionary.Keys)
                {
                    names[count++] = name;
                }
            }
            else
            {
                foreach (string name in arguments.Keys)
                {
                    names[count++] = name;
                }
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
        if (buffer.Capacity <= RetainedBufferBytes)
        {
            return buffer.WrittenSpan;
        }

        // Too big to keep for the thread's lifetime: hand back a copy and let the buffer go.
        byte[] copy = buffer.WrittenSpan.ToArray();
        t_buffers[slot] = null;
        t_writers[slot] = null;
        return copy;
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
