namespace VgpuIac.Engine.Parsing.NvidiaSmi;

/// <summary>nvidia-smi "Virtualization Mode" (<c>virtualization_mode</c> in XML).</summary>
public enum VirtualizationMode
{
    Unknown,

    /// <summary>"None": bare metal.</summary>
    None,

    /// <summary>"Pass-Through": a guest with the whole GPU.</summary>
    PassThrough,

    /// <summary>"VGPU": a guest running on a vGPU.</summary>
    Vgpu,

    /// <summary>"Host VGPU": a vGPU host (vgpu-kvm driver).</summary>
    HostVgpu,

    /// <summary>"Host VSGA".</summary>
    HostVsga,
}
