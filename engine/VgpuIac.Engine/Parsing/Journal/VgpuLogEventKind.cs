namespace VgpuIac.Engine.Parsing.Journal;

/// <summary>What a nvidia-vgpu-mgr / nvidia-vgpud / vgpu_unlock-rs log line means.</summary>
internal enum VgpuLogEventKind
{
    Other,
    ServiceStarting,
    ServiceStarted,
    ServiceFailed,
    DaemonStarted,
    UnlockLoaded,

    /// <summary>"Received start call from nvidia-vgpu-vfio module: mdev uuid U GPU PCI id P config params vgpu_type_id=N".</summary>
    VgpuStartCall,

    /// <summary>vgpu_unlock-rs "Applying profile nvidia-N overrides" (also mdev/vm blocks).</summary>
    OverrideApplying,

    /// <summary>vgpu_unlock-rs "Patching nvidia-N/field: old -> new".</summary>
    OverridePatched,

    /// <summary>"Failed to apply profile override" / "Failed to decode config": the override file is bad; vGPU start fails.</summary>
    OverrideFailed,

    /// <summary>"Parameters size for ... was X bytes, expected Y": vgpu_unlock-rs does not support this driver ABI.</summary>
    UnlockAbiMismatch,

    /// <summary>"Failed to get VM UUID from QEMU command-line 0x57": no <c>-uuid</c>.</summary>
    VmUuidMissing,

    /// <summary>"Failed to initialize RM client".</summary>
    RmClientFailed,

    /// <summary>vgpud "GPU not supported by vGPU at PCI Id": unlock not effective / unsupported card.</summary>
    GpuNotSupported,

    /// <summary>"NVOS status 0x.." with an assertion: the driver rejected the (spoofed) configuration.</summary>
    NvosError,

    /// <summary>"vGPU license state: ..." transitions logged by the manager.</summary>
    LicenceState,

    /// <summary>"Driver Version: X" in the guest driver information block.</summary>
    GuestDriverVersion,

    /// <summary>Any other "error:" line.</summary>
    Error,
}
