using System.Collections.Immutable;

namespace VgpuIac.Engine.Nodes;

/// <summary>The parsed provider configuration: the nodes, in name order.</summary>
public sealed record ProviderSettings(ImmutableArray<NodeSettings> Nodes)
{
    public IReadOnlyList<string> NodeNames => [.. Nodes.Select(n => n.Name)];

    public NodeSettings? Find(string name) => Nodes.FirstOrDefault(n => string.Equals(n.Name, name, StringComparison.Ordinal));

    public bool Equals(ProviderSettings? other) => other is not null && Nodes.SequenceEqual(other.Nodes);

    public override int GetHashCode() => Nodes.Aggregate(17, (h, n) => (h * 31) + n.GetHashCode());
}
