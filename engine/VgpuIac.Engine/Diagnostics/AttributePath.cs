using System.Collections.Immutable;
using System.Text;

namespace VgpuIac.Engine.Diagnostics;

/// <summary>A path into a configuration value: attribute names, map keys and list indexes.</summary>
public sealed record AttributePath
{
    /// <summary>The empty path: the configuration object itself.</summary>
    public static AttributePath Root { get; } = new(ImmutableArray<PathStep>.Empty);

    /// <summary>A path made of <paramref name="steps"/>, outermost first.</summary>
    public AttributePath(ImmutableArray<PathStep> steps) => Steps = steps;

    /// <summary>The steps from the outermost attribute inward.</summary>
    public ImmutableArray<PathStep> Steps { get; }

    /// <summary>The path of the top-level attribute <paramref name="attribute"/>.</summary>
    public static AttributePath Of(string attribute) => Root.Attribute(attribute);

    /// <summary>This path followed by the nested attribute <paramref name="name"/>.</summary>
    public AttributePath Attribute(string name) => new(Steps.Add(new PathStep.AttributeName(name)));

    /// <summary>This path followed by the map element under <paramref name="key"/>.</summary>
    public AttributePath Key(string key) => new(Steps.Add(new PathStep.ElementKey(key)));

    /// <summary>This path followed by the list element at <paramref name="index"/> (zero-based).</summary>
    public AttributePath Index(long index) => new(Steps.Add(new PathStep.ElementIndex(index)));

    /// <summary>Two paths are equal when they have the same steps in the same order.</summary>
    public bool Equals(AttributePath? other) => other is not null && Steps.SequenceEqual(other.Steps);

    /// <inheritdoc/>
    public override int GetHashCode() => Steps.Aggregate(17, (h, s) => (h * 31) + s.GetHashCode());

    /// <summary>Terraform-style rendering, e.g. <c>nodes["pve1"].host</c> or <c>disk[0].size</c>.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var step in Steps)
        {
            switch (step)
            {
                case PathStep.AttributeName a:
                    if (sb.Length > 0) { sb.Append('.'); }
                    sb.Append(a.Name);
                    break;
                case PathStep.ElementKey k: sb.Append("[\"").Append(k.Key).Append("\"]"); break;
                case PathStep.ElementIndex i: sb.Append('[').Append(i.Index).Append(']'); break;
            }
        }

        return sb.ToString();
    }
}
