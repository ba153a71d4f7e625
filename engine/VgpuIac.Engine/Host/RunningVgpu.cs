namespace VgpuIac.Engine.Host;

/// <summary>
/// A vGPU that runs on a physical GPU now, as <c>nvidia-smi vgpu -q</c> reports it. <see cref="VmId"/> comes from the
/// mdev UUID PVE generates (<c>%08d-0000-0000-0000-%012d</c> of hostpci index and VMID) or, when the driver prints no
/// <c>MDEV UUID</c> (580 branch, SR-IOV), from a unique VM name in <c>qm list</c>; null when neither tells.
/// </summary>
internal sealed record RunningVgpu
{
    /// <summary>nvidia-smi's vGPU ID (a number, e.g. <c>3251634248</c>).</summary>
    public required string VgpuId { get; init; }

    public int? VmId { get; init; }

    /// <summary>The VM name without the <c>,debug-threads=on</c> suffix QEMU carries on PVE.</summary>
    public string? VmName { get; init; }

    /// <summary>The mdev type id, e.g. <c>nvidia-46</c>; null when not printed.</summary>
    public string? TypeId { get; init; }

    /// <summary>The vGPU type name, e.g. <c>GRID P40-1Q</c>.</summary>
    public string? TypeName { get; init; }

    /// <summary>The mediated device's UUID; null when the driver does not print it.</summary>
    public string? MdevUuid { get; init; }

    /// <summary>The vGPU's own UUID (not the mdev UUID).</summary>
    public string? VgpuUuid { get; init; }

    /// <summary>The guest driver version; null before the guest driver loads (<c>N/A</c>).</summary>
    public string? GuestDriverVersion { get; init; }

    /// <summary>The licence status as printed, e.g. <c>Licensed (Expiry: 2024-5-20 9:40:22 GMT)</c>, <c>N/A (Expiry: N/A)</c>.</summary>
    public string? LicenceStatus { get; init; }

    /// <summary>True when the guest holds a licence.</summary>
    public bool Licensed { get; init; }
}
