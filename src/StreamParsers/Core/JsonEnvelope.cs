using System.Runtime.CompilerServices;

namespace ToolFlow.StreamParsers;

/// <summary>
/// Where a call's JSON envelope (<c>{"name": …, "arguments": …}</c>) holds its name and arguments, as indexes into
/// the parser's block, followed from the scanner's member events. Shared by the parsers that read one envelope per
/// call themselves (Hermes, and the JSON calls of the pythonic formats); a field of the parser, updated in place.
/// </summary>
internal struct JsonEnvelope
{
    /// <summary>What the member whose key was read last names.</summary>
    public JsonMember Key;

    /// <summary>What the value being read holds: <see cref="JsonMember.Name"/> or <see cref="JsonMember.Arguments"/> for the first of each.</summary>
    public JsonMember Value;

    /// <summary>Where the key being read starts (just past its quote).</summary>
    public int KeyStart;

    /// <summary>Where the name's opening quote is, or -1.</summary>
    public int NameStart;

    /// <summary>Where the arguments start, or -1.</summary>
    public int ArgumentsStart;

    /// <summary>Just past the arguments, or -1 while they are open.</summary>
    public int ArgumentsEnd;

    /// <summary>How far the arguments have been reported as deltas.</summary>
    public int ArgumentsReported;

    /// <summary>Forgets the envelope, for the next call.</summary>
    public void Reset()
    {
        Key = JsonMember.Other;
        Value = JsonMember.Other;
        NameStart = -1;
        ArgumentsStart = -1;
        ArgumentsEnd = -1;
        ArgumentsReported = 0;
    }

    /// <summary>Follows one scanner event, once the characters the scanner consumed are in the block.</summary>
    /// <param name="scanEvent">What the scanner stopped for.</param>
    /// <param name="block">The block, ending with the character that raised the event.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Track(JsonScanEvent scanEvent, ReadOnlySpan<char> block)
    {
        switch (scanEvent)
        {
            case JsonScanEvent.MemberKeyStart:
                KeyStart = block.Length;
                break;
            case JsonScanEvent.MemberKeyEnd:
                Key = JsonMemberKeys.Classify(block[KeyStart..^1]);
                break;
            case JsonScanEvent.MemberValueStart:
                Value = JsonMember.Other;
                if (Key == JsonMember.Name && NameStart < 0)
                {
                    Value = JsonMember.Name;
                    NameStart = block.Length - 1;
                }
                else if (Key == JsonMember.Arguments && ArgumentsStart < 0)
                {
                    Value = JsonMember.Arguments;
                    ArgumentsStart = ArgumentsReported = block.Length - 1;
                }

                break;
            case JsonScanEvent.MemberValueEnd when Value == JsonMember.Arguments:
                ArgumentsEnd = block.Length;
                break;
            default:
                break;
        }
    }
}
