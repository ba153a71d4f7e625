namespace VgpuIac.Engine.Host;

/// <summary>How a GPU gets vGPU support on a Proxmox VE host (vgpu-domain.md §0).</summary>
public enum VgpuPath
{
    /// <summary>Not in the GPU table: the driver decides; treated as unsupported by pre-flight checks.</summary>
    Unknown,

    /// <summary>A vGPU-capable card (Tesla/datacenter, Quadro RTX 6000/8000, ...) with the stock host driver, using mdev.</summary>
    Native,

    /// <summary>A consumer card (GeForce / non-vGPU Quadro, Maxwell 2.0, Pascal, Turing) that needs a patched driver and vgpu_unlock-rs.</summary>
    Unlockable,

    /// <summary>Ampere and newer datacenter cards: vGPUs on SR-IOV virtual functions (NVIDIA vendor VFIO on kernel 6.8+).</summary>
    Sriov,

    /// <summary>No vGPU possible (Ampere and newer GeForce, GTX 970, Maxwell 1).</summary>
    Unsupported,
}
