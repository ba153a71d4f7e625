namespace VgpuIac.Engine.ProfileOverride;

/// <summary>How vgpu_unlock-rs reads one override key from <c>profile_override.toml</c>.</summary>
internal enum OverrideValueKind
{
    /// <summary>A TOML integer that must fit an unsigned 32-bit field.</summary>
    Unsigned32,

    /// <summary>A TOML integer that must fit an unsigned 64-bit field.</summary>
    Unsigned64,

    /// <summary>A TOML integer 0 or 1 (vgpu_unlock-rs reads it as u32 and clamps it).</summary>
    Flag,

    /// <summary>Bytes: a TOML integer or a quoted human size such as <c>"896MiB"</c>.</summary>
    ByteSize,

    /// <summary>A TOML string.</summary>
    Text,
}
