namespace VgpuIac.Engine.Host;

/// <summary>Stock NVIDIA host driver or a binary-patched one for vgpu_unlock (consumer cards).</summary>
public enum DriverFlavour
{
    /// <summary>NVIDIA's vGPU host driver as shipped, for vGPU-capable cards.</summary>
    Stock,
    /// <summary>The host driver patched for vgpu_unlock-rs, for consumer cards.</summary>
    Unlock,
}
