using System.Text.Json;

namespace ToolFlow.StreamParsers;

/// <summary>
/// Where the event readers unescape an event's text members, so that text reaches the observer as a span of a buffer
/// kept for the response rather than as a new string per event. Cleared for each event.
/// </summary>
internal sealed class EventTextBuffer
{
    /// <summary>A member that is absent or not a string.</summary>
    public static readonly (int Start, int Length) None = (0, -1);

    private char[] _chars = [];
    private int _used;

    /// <summary>Forgets the text of the last event.</summary>
    public void Clear() => _used = 0;

    /// <summary>The text at <paramref name="range"/>, empty for <see cref="None"/>.</summary>
    /// <param name="range">Where <see cref="Read"/> put it.</param>
    /// <returns>The characters.</returns>
    public ReadOnlySpan<char> this[(int Start, int Length) range] =>
        range.Length > 0 ? _chars.AsSpan(range.Start, range.Length) : default;

    /// <summary>Copies the string the reader is on, unescaped.</summary>
    /// <param name="reader">A reader on a string token.</param>
    /// <returns>Where the text was put.</returns>
    public (int Start, int Length) Read(ref Utf8JsonReader reader)
    {
        // UTF-8 never takes fewer bytes than UTF-16 takes characters, escaped or not.
        int room = reader.ValueSpan.Length;
        if (_chars.Length - _used < room)
        {
            // Kept for the response: text deltas are small, so it settles at once.
            char[] grown = new char[Math.Max(2 * (_used + room), 256)];
            _chars.AsSpan(0, _used).CopyTo(grown);
            _chars = grown;
        }

        int length = reader.CopyString(_chars.AsSpan(_used));
        (int Start, int Length) range = (_used, length);
        _used += length;
        return range;
    }

    /// <summary>
    /// Reads a text member's value: a string's characters go into the buffer, any other value is skipped and counts as
    /// no text, as the document's reading has it.
    /// </summary>
    /// <param name="reader">A reader on the member's name.</param>
    /// <param name="range">Where the text was put, or <see cref="None"/>.</param>
    /// <param name="arrayIsUnusual">Whether an array (content parts) leaves the event to the document.</param>
    /// <returns>Whether the value was read; <see langword="false"/> when the JSON ends there or the array is unusual.</returns>
    public bool TryReadMember(ref Utf8JsonReader reader, out (int Start, int Length) range, bool arrayIsUnusual = false)
    {
        range = None;
        if (!reader.Read() || (arrayIsUnusual && reader.TokenType == JsonTokenType.StartArray))
        {
            return false;
        }

        if (reader.TokenType == JsonTokenType.String)
        {
            range = Read(ref reader);
        }
        else
        {
            reader.Skip();
        }

        return true;
    }
}
