namespace VgpuIac.Engine.ProfileOverride;

/// <summary>The three kinds of section vgpu_unlock-rs reads; applied in this order, so later ones win.</summary>
internal enum OverrideTargetKind
{
    /// <summary><c>[profile.nvidia-N]</c>: every instance of one vGPU type.</summary>
    Profile,

    /// <summary><c>[mdev.&lt;uuid&gt;]</c>: one mdev instance.</summary>
    Mdev,

    /// <summary><c>[vm.&lt;vmid&gt;]</c>: every vGPU of one Proxmox VM.</summary>
    Vm,
}
