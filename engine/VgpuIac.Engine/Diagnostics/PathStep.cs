namespace VgpuIac.Engine.Diagnostics;

/// <summary>One step of an <see cref="AttributePath"/>: into an attribute, a map element or a list element.</summary>
public abstract record PathStep
{
    /// <summary>Into the attribute (or nested block) called <paramref name="Name"/>.</summary>
    /// <param name="Name">The attribute's schema name, e.g. <c>host</c>.</param>
    public sealed record AttributeName(string Name) : PathStep;

    /// <summary>Into the map element under <paramref name="Key"/>.</summary>
    /// <param name="Key">The map key, e.g. a node name.</param>
    public sealed record ElementKey(string Key) : PathStep;

    /// <summary>Into the list element at <paramref name="Index"/>.</summary>
    /// <param name="Index">The zero-based position in the list.</param>
    public sealed record ElementIndex(long Index) : PathStep;
}
