using System.Collections.Immutable;

namespace VgpuIac.Engine.ProfileOverride;

/// <summary>What a <c>profile_override.toml</c> holds for one section.</summary>
internal sealed record SectionLookup
{
    public static SectionLookup Missing { get; } = new() { Exists = false };

    public required bool Exists { get; init; }

    /// <summary>The section's keys in file order (every key, known to vgpu_unlock-rs or not).</summary>
    public ImmutableArray<OverrideEntry> Entries { get; init; } = ImmutableArray<OverrideEntry>.Empty;

    /// <summary>Set when the section is written in a form the provider cannot edit without touching other text (dotted keys, inline table, array of tables).</summary>
    public string? Uneditable { get; init; }

    /// <summary>1-based line of the section header, or of the definition that makes it uneditable.</summary>
    public int Line { get; init; }
}
