namespace VgpuIac.Engine.ProfileOverride;

internal enum TomlScalarKind
{
    Integer,
    String,
    Boolean,

    /// <summary>Floats, dates, arrays, inline tables: nothing vgpu_unlock-rs accepts for an override key.</summary>
    Other,
}
