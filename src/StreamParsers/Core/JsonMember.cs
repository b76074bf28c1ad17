namespace ToolFlow.StreamParsers;

/// <summary>What a member of a call's JSON envelope (<c>{"name": …, "arguments": …}</c>) holds.</summary>
internal enum JsonMember : byte
{
    Other,
    Name,
    Arguments,
    Id,
}
