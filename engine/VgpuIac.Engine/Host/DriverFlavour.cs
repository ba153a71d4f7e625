namespace VgpuIac.Engine.Host;

/// <summary>Stock NVIDIA host driver or a binary-patched one for vgpu_unlock (consumer cards).</summary>
public enum DriverFlavour
{
    Stock,
    Unlock,
}
