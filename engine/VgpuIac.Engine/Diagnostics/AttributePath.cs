using System.Collections.Immutable;
using System.Text;

namespace VgpuIac.Engine.Diagnostics;

/// <summary>A path into a configuration value: attribute names, map keys and list indexes.</summary>
public sealed record AttributePath
{
    public static AttributePath Root { get; } = new(ImmutableArray<PathStep>.Empty);

    public AttributePath(ImmutableArray<PathStep> steps) => Steps = steps;

    public ImmutableArray<PathStep> Steps { get; }

    public static AttributePath Of(string attribute) => Root.Attribute(attribute);

    public AttributePath Attribute(string name) => new(Steps.Add(new PathStep.AttributeName(name)));

    public AttributePath Key(string key) => new(Steps.Add(new PathStep.ElementKey(key)));

    public AttributePath Index(long index) => new(Steps.Add(new PathStep.ElementIndex(index)));

    public bool Equals(AttributePath? other) => other is not null && Steps.SequenceEqual(other.Steps);

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
