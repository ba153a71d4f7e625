using System.Collections.Immutable;

namespace VgpuIac.Engine.Parsing.KeyValue;

/// <summary>
/// One line of an indented <c>key : value</c> report (<c>nvidia-smi -q</c>, <c>nvidia-smi vgpu -q</c>, virsh
/// info): <see cref="Value"/> is null for a section heading; <see cref="Children"/> are the deeper-indented lines below it.
/// </summary>
internal sealed record IndentedNode(string Key, string? Value, int Indent, int LineNumber, ImmutableArray<IndentedNode> Children)
{
    /// <summary>The first direct child named <paramref name="key"/> (exact match), or null.</summary>
    public IndentedNode? Child(string key) => Children.FirstOrDefault(c => c.Key == key);

    /// <summary>The value at a path of child keys, e.g. <c>ValueAt("FB Memory Usage", "Total")</c>.</summary>
    public string? ValueAt(params string[] path)
    {
        IndentedNode? node = this;
        foreach (var key in path)
        {
            node = node?.Child(key);
        }

        return node?.Value;
    }

    /// <summary>This node's descendants, depth first.</summary>
    public IEnumerable<IndentedNode> Descendants()
    {
        foreach (var child in Children)
        {
            yield return child;
            foreach (var d in child.Descendants())
            {
                yield return d;
            }
        }
    }
}
