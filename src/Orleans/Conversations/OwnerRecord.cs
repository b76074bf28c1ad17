namespace ToolFlow.Orleans;

/// <summary>An owner's conversations as its grain stores them.</summary>
[GenerateSerializer]
internal sealed class OwnerRecord
{
    [Id(0)]
    public List<string> Conversations { get; set; } = [];
}
