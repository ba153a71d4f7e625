namespace VgpuIac.Engine.ProfileOverride;

/// <summary>One key vgpu_unlock-rs accepts in an override section, with the TOML shape it expects.</summary>
internal sealed record OverrideKey(string Name, OverrideValueKind Kind, string Description)
{
    /// <summary>Longest accepted text (characters), for <see cref="OverrideValueKind.Text"/> keys with a known limit.</summary>
    public int? MaxLength { get; init; }

    /// <summary>Written as a hexadecimal TOML integer (sizes and PCI ids read better that way).</summary>
    public bool WriteHex { get; init; }

    /// <summary>The computed attribute holding the size in bytes, for <see cref="OverrideValueKind.ByteSize"/> keys.</summary>
    public string BytesAttribute => Name + "_bytes";
}
