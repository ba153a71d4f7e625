using System.Collections.Immutable;

namespace VgpuIac.Engine.Host;

/// <summary>vgpu_unlock-rs files on the node (vgpu-domain.md §1); contents are exact bytes decoded as UTF-8.</summary>
internal sealed record UnlockFacts
{
    public const string LibraryPath = "/opt/vgpu_unlock-rs/target/release/libvgpu_unlock_rs.so";
    public const string ConfigPath = "/etc/vgpu_unlock/config.toml";
    public const string ProfileOverridePath = "/etc/vgpu_unlock/profile_override.toml";

    /// <summary>Drop-in path (<c>/etc/systemd/system/nvidia-vgpud.service.d/vgpu_unlock.conf</c>) → content.</summary>
    public ImmutableSortedDictionary<string, string> DropIns { get; init; } = ImmutableSortedDictionary<string, string>.Empty;

    /// <summary><c>/etc/vgpu_unlock/config.toml</c>; null when absent.</summary>
    public string? ConfigToml { get; init; }

    /// <summary>sha256 (lower-case hex) of the library at <see cref="LibraryPath"/>; null when absent.</summary>
    public string? LibrarySha256 { get; init; }

    /// <summary><c>/etc/vgpu_unlock/profile_override.toml</c>; null when absent.</summary>
    public string? ProfileOverrideToml { get; init; }

    public bool LibraryPresent => LibrarySha256 is not null;
}
