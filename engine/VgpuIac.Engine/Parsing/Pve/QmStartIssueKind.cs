namespace VgpuIac.Engine.Parsing.Pve;

/// <summary>What one line of a <c>qm start</c> / start-task log means.</summary>
internal enum QmStartIssueKind
{
    /// <summary>A line we do not classify (kept for the diagnostic detail).</summary>
    Other,

    /// <summary>"mdev instance '...' already existed, using it." (informational).</summary>
    MdevReused,

    /// <summary>A QEMU/vfio warning ("kvm: ... warning: ...").</summary>
    Warning,

    /// <summary>"error getting device from group N" / "Verify all devices in group N are bound": the vGPU cannot be opened (unsupported GPU, broken unlock).</summary>
    VfioGroupError,

    /// <summary>"failed to read device config space": the vGPU manager refused the device (often a host driver / unlock mismatch).</summary>
    VfioConfigSpaceError,

    /// <summary>"q35 machine model is not enabled": <c>pcie=1</c> on an i440fx VM.</summary>
    Q35Required,

    /// <summary>No IOMMU: "IOMMU not present" / "cannot prepare PCI pass-through".</summary>
    IommuMissing,

    /// <summary>The mdev type has no free instance ("no available instances" / "no free").</summary>
    NoFreeInstance,

    /// <summary>The vGPU is held elsewhere: "Device or resource busy" on the mdev's VFIO group, or "... is already in use".</summary>
    MdevInUse,

    /// <summary>The GPU does not offer the type: "mdev instance type '...' not found for device '...'", or "can't create mdev instance" without a reason.</summary>
    TypeNotCreatable,

    /// <summary>Any other QEMU error line ("kvm: ...").</summary>
    QemuError,

    /// <summary>The final "TASK ERROR: start failed: ..." line of a task log, or "start failed: ..." from <c>qm start</c> on the command line.</summary>
    TaskError,
}
