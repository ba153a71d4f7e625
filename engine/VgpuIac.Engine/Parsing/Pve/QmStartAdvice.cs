namespace VgpuIac.Engine.Parsing.Pve;

/// <summary>
/// Turns what a failed <c>qm start</c> printed into a diagnostic detail: what it said, why the VM did not start (read by
/// <see cref="QmStartParser"/>) and what to do. The caller keeps the VM: a plain apply starts it once the cause is gone.
/// </summary>
internal static class QmStartAdvice
{
    /// <summary>The detail for a failed <c>qm start <paramref name="vmid"/></c> on <paramref name="node"/> that printed <paramref name="output"/>.</summary>
    public static string Explain(string vmid, string node, string? output)
    {
        var said = (output ?? string.Empty).Trim();
        var report = QmStartParser.Parse(said).Value;
        var why = report.PrimaryFailure switch
        {
            QmStartIssueKind.NoFreeInstance =>
                "The GPU has no free instance of this vGPU type (running VMs hold them all, or another type runs on the GPU): " +
                "stop a VM that holds one or choose another type, then run apply again.",
            QmStartIssueKind.MdevInUse =>
                $"The vGPU{Mdev(report)} is in use by another VM or process: stop the VM that holds it (a stale mdev left by a " +
                "crashed VM goes away with `mdevctl stop --uuid <uuid>` on the node), then run apply again.",
            QmStartIssueKind.TypeNotCreatable =>
                "The GPU does not offer this vGPU type now: the host driver is not loaded, the type belongs to another GPU, or " +
                "the GPU already runs vGPUs of another type. Choose a type from the node's `vgpu_types` (the node data source), " +
                "then run apply again.",
            QmStartIssueKind.IommuMissing =>
                "The node has no active IOMMU, which every PCI and mdev device needs: enable VT-d / AMD-Vi in the firmware and " +
                "the IOMMU on the kernel command line (the host driver resource does this), reboot the node, then run apply again.",
            QmStartIssueKind.Q35Required =>
                "The vGPU is attached as PCIe (pcie=1) but the VM uses the i440fx machine type: use a q35 machine type, then run apply again.",
            QmStartIssueKind.VfioGroupError =>
                $"QEMU could not open the vGPU{Mdev(report)}: the host driver does not run this GPU in vGPU mode (an unsupported card, " +
                "or vgpu_unlock not active for a consumer card) or the device is held elsewhere. Check that nvidia-vgpu-mgr is active " +
                "and the unlock is in place, then run apply again.",
            QmStartIssueKind.VfioConfigSpaceError =>
                "The vGPU manager refused the vGPU (QEMU could not read its config space): usually the host driver and vgpu_unlock " +
                "do not match, or the vGPU type is not valid for the GPU. Read `journalctl -u nvidia-vgpu-mgr` on the node, fix the " +
                "cause, then run apply again.",
            _ => "Check the host driver (nvidia-vgpu-mgr must be active) and the vGPU type, then run apply again.",
        };
        return $"qm start {vmid} on node \"{node}\" answered: {(said.Length == 0 ? "(nothing)" : said)}. {why} The VM is kept.";
    }

    private static string Mdev(QmStartReport report) =>
        report.Issues.Select(i => i.MdevUuid).FirstOrDefault(u => u is not null) is { } uuid ? $" (mdev {uuid})" : string.Empty;
}
