using System.Collections.Immutable;

namespace VgpuIac.Engine.Unlock;

/// <summary>What <see cref="UnlockProbe"/> found on a node (read-only).</summary>
internal sealed record UnlockNodeFacts
{
    /// <summary>Lower-case SHA-256 of the file at the library path; null when missing.</summary>
    public string? LibrarySha256 { get; init; }

    /// <summary>Services that exist (systemd LoadState <c>loaded</c>).</summary>
    public ImmutableArray<string> ExistingUnits { get; init; } = [];

    /// <summary>Each probed unit's loaded <c>Environment=</c> value.</summary>
    public ImmutableSortedDictionary<string, string> Environments { get; init; } = ImmutableSortedDictionary<string, string>.Empty;

    /// <summary>Unit → content of its <c>vgpu_unlock.conf</c> drop-in, for drop-ins that exist.</summary>
    public ImmutableSortedDictionary<string, string> DropIns { get; init; } = ImmutableSortedDictionary<string, string>.Empty;

    /// <summary><c>/etc/vgpu_unlock/config.toml</c>; null when missing.</summary>
    public string? ConfigToml { get; init; }

    public ImmutableArray<UnlockGpu> Gpus { get; init; } = [];

    /// <summary>Owner and mode of the library, config.toml and the drop-ins that exist, by path.</summary>
    public ImmutableSortedDictionary<string, Remote.NodeFileMode> FileModes { get; init; } = ImmutableSortedDictionary<string, Remote.NodeFileMode>.Empty;

    /// <summary>Folders on the way to the library, the config and the drop-ins that do not exist yet.</summary>
    public ImmutableArray<string> MissingFolders { get; init; } = [];
}
