using System.Text.Json;

namespace ToolFlow.ChatLoad;

/// <summary>What the load reads from one SSE message's JSON data: only the fields it checks.</summary>
/// <param name="Type">The data's <c>type</c>.</param>
/// <param name="Id">The data's <c>id</c>, or -1 if it has none.</param>
/// <param name="Timestamp">The data's <c>timestamp</c>, if any.</param>
/// <param name="Running">A snapshot's <c>running</c>.</param>
/// <param name="Skipped">A <c>lagged</c> event's <c>skipped</c>.</param>
/// <param name="UserMessages">How many of a snapshot's <c>messages</c> are the user's.</param>
public readonly record struct WireEvent(string Type, long Id, DateTimeOffset? Timestamp, bool Running, long Skipped, int UserMessages)
{
    /// <summary>Reads the fields from one message's data, skipping everything else.</summary>
    /// <param name="data">The UTF-8 JSON object.</param>
    /// <returns>The fields.</returns>
    /// <exception cref="JsonException">The data is not a JSON object.</exception>
    public static WireEvent Parse(ReadOnlySpan<byte> data)
    {
        var reader = new Utf8JsonReader(data);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("An event's data is not a JSON object.");
        }

        (string type, long id, DateTimeOffset? timestamp, bool running, long skipped, int users) = (string.Empty, -1, null, false, 0, 0);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool isId = reader.ValueTextEquals("id"u8), isType = reader.ValueTextEquals("type"u8), isTimestamp = reader.ValueTextEquals("timestamp"u8);
            bool isRunning = reader.ValueTextEquals("running"u8), isSkipped = reader.ValueTextEquals("skipped"u8), isMessages = reader.ValueTextEquals("messages"u8);
            reader.Read();
            if (isId)
            {
                id = reader.GetInt64();
            }
            else if (isType)
            {
                type = reader.GetString() ?? string.Empty;
            }
            else if (isTimestamp && reader.TokenType == JsonTokenType.String)
            {
                timestamp = reader.GetDateTimeOffset();
            }
            else if (isRunning)
            {
                running = reader.GetBoolean();
            }
            else if (isSkipped)
            {
                skipped = reader.GetInt64();
            }
            else if (isMessages && reader.TokenType == JsonTokenType.StartArray)
            {
                users = CountUserMessages(ref reader);
            }
            else
            {
                reader.Skip();
            }
        }

        return new WireEvent(type, id, timestamp, running, skipped, users);
    }

    // At a messages array's start: counts the objects whose role is "user", leaving the reader at the array's end.
    private static int CountUserMessages(ref Utf8JsonReader reader)
    {
        int users = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isRole = reader.ValueTextEquals("role"u8);
                reader.Read();
                if (isRole && reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("user"u8))
                {
                    users++;
                }
                else
                {
                    reader.Skip();
                }
            }
        }

        return users;
    }
}
