using VgpuIac.Engine.Parsing.Pve;

namespace VgpuIac.Engine.Tests.Parsing.Pve;

/// <summary>A failed <c>qm start</c>'s output → the guest's "Unable to start the VM" detail: what it said, why, what to do.</summary>
public sealed class QmStartAdviceTests
{
    [Theory]
    [InlineData("dualcoder-57-gtx970-iommu-group-io-error.txt", "QEMU could not open the vGPU (mdev 00000000-0000-0000-0000-000000000100)")]
    [InlineData("vgpu-unlock-rs-6-bad-address.txt", "journalctl -u nvidia-vgpu-mgr")]
    public void Real_start_failures_say_why_and_what_to_do(string file, string why)
    {
        var output = RealOutputs.Read("qm-start", file).Replace("TASK ERROR: start failed", "start failed", StringComparison.Ordinal);

        var detail = QmStartAdvice.Explain("104", "pve1", output);

        Assert.StartsWith("qm start 104 on node \"pve1\" answered: ", detail, StringComparison.Ordinal);
        Assert.Contains("start failed: QEMU exited with code 1", detail, StringComparison.Ordinal);
        Assert.Contains(why, detail, StringComparison.Ordinal);
        Assert.EndsWith("then run apply again. The VM is kept.", detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("can't create mdev instance '00000000-0000-0000-0000-000000000200' of type 'nvidia-46': no available instances left\nstart failed: QEMU exited with code 1", "no free instance of this vGPU type")]
    [InlineData("mdev instance type 'nvidia-999' not found for device '0000:01:00.0'", "does not offer this vGPU type now")]
    [InlineData("kvm: -device vfio-pci,sysfsdev=/sys/bus/mdev/devices/00000000-0000-0000-0000-000000000200,id=hostpci0: vfio 00000000-0000-0000-0000-000000000200: error getting device from group 40: Device or resource busy\nstart failed: QEMU exited with code 1", "(mdev 00000000-0000-0000-0000-000000000200) is in use by another VM")]
    [InlineData("IOMMU not present\nstart failed: QEMU exited with code 1", "no active IOMMU")]
    [InlineData("q35 machine model is not enabled", "use a q35 machine type")]
    [InlineData("start failed: QEMU exited with code 1", "nvidia-vgpu-mgr must be active")]
    [InlineData("", "answered: (nothing). Check the host driver")]
    public void Each_cause_has_its_advice(string output, string expected)
    {
        var detail = QmStartAdvice.Explain("200", "pve1", output);

        Assert.Contains(expected, detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Busy_is_mdev_in_use_and_a_missing_type_is_not_creatable()
    {
        Assert.Equal(QmStartIssueKind.MdevInUse, QmStartParser.Classify("vfio 00000000-0000-0000-0000-000000000200: error getting device from group 40: Device or resource busy"));
        Assert.Equal(QmStartIssueKind.TypeNotCreatable, QmStartParser.Classify("mdev instance type 'nvidia-999' not found for device '0000:01:00.0'"));
        Assert.Equal(QmStartIssueKind.VfioGroupError, QmStartParser.Classify("Verify all devices in group 13 are bound to vfio-<bus> or pci-stub and not already in use"));
    }
}
