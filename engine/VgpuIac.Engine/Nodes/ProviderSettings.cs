using System.Collections.Immutable;

namespace VgpuIac.Engine.Nodes;

/// <summary>The parsed provider configuration: the nodes, in name order.</summary>
public sealed record ProviderSettings(ImmutableArray<NodeSettings> Nodes)
{
    /// <summary>The configured node names, in name order.</summary>
    public IReadOnlyList<string> NodeNames => [.. Nodes.Select(n => n.Name)];

    /// <summary>The node called <paramref name="name"/>, or null when no node block has that name.</summary>
    public NodeSettings? Find(string name) => Nodes.FirstOrDefault(n => string.Equals(n.Name, name, StringComparison.Ordinal));

    /// <summary>Two configurations are equal when they list equal nodes in the same order.</summary>
    public bool Equals(ProviderSettings? other) => other is not null && Nodes.SequenceEqual(other.Nodes);

    /// <inheritdoc/>
    public override int GetHashCode() => Nodes.Aggregate(17, (h, n) => (h * 31) + n.GetHashCode());
}
