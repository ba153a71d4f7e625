using VgpuIac.Engine.Parsing.NvidiaSmi;
using VgpuIac.Engine.Parsing.NvidiaSmi.Vgpu;
using VgpuIac.Engine.Parsing.Pci;

namespace VgpuIac.Engine.Tests.Parsing.NvidiaSmi;

public sealed class NvidiaSmiVgpuParserTests
{
    private const string Kind = "nvidia-smi-vgpu";

    public static TheoryData<string> Files => RealOutputs.Names(Kind);

    [Theory]
    [MemberData(nameof(Files))]
    public void Reads_every_real_sample(string file)
    {
        var text = RealOutputs.Read(Kind, file);
        switch (file)
        {
            case "bigstack-fixture-rtxpro6000-blackwell-vgpu-q-two-instances.txt":
            {
                var r = NvidiaSmiVgpuQueryParser.Parse(text);
                Assert.True(r.IsComplete);
                var g = Assert.Single(r.Value);
                Assert.Equal(new PciAddress(1, 0xc8, 0, 0), g.Address);
                Assert.Equal(2, g.ActiveVgpuCount);
                Assert.Equal(["3251637554", "3251637566"], g.Vgpus.Select(v => v.VgpuId));
                var a = g.Vgpus[0];
                Assert.Equal("NVIDIA RTX Pro 6000 Blackwell DC-3Q", a.VgpuName);
                Assert.Equal(1519, a.VgpuTypeId);
                Assert.Null(a.MdevUuid);
                Assert.Equal("N/A", a.GuestDriverVersion);
                Assert.Equal(LicenceState.NotAvailable, a.LicenceStatus!.State);
                Assert.Equal("instance-00000004", a.VmName);
                Assert.Equal(3072, a.FbTotalMiB);
                Assert.Equal(128, a.FbUsedMiB);
                var b = g.Vgpus[1];
                Assert.Equal("580.105.08", b.GuestDriverVersion);
                Assert.Equal(LicenceState.UnlicensedUnrestricted, b.LicenceStatus!.State);
                Assert.Equal("3", b.PlacementId);
                Assert.Equal("00000000:00:05.0", b.GuestBusId);
                Assert.Equal(12, b.GpuUtilizationPercent);
                Assert.Equal("f0adb76f-7612-4c68-84b4-375a4e6c5476", b.VmUuid);
                break;
            }

            case "dualcoder-118-p4000-no-supported-devices-vgpu-and-s.txt":
            {
                // "No supported devices in vGPU mode": no GPU, and nothing missing
                var r = NvidiaSmiVgpuQueryParser.Parse(text);
                Assert.Empty(r.Value);
                Assert.True(r.IsComplete);
                break;
            }

            case "greendamtan-cmp40hx-550.54.14-active-vgpu-in-lxc.txt":
            case "greendamtan-fnos-2080ti-550.90.07-active-vgpu.txt":
            case "greendamtan-gtx1060-550.144.02-active-vgpu-90pct.txt":
            case "polloloco-rtx2080ti-525.60.12-vgpu-empty.txt":
            {
                // the plain 'nvidia-smi vgpu' table (the simulator's yardstick, see NodeSim DriverOutputFormatTests): VgpuIac
                // reads '-q' only, and a table given to it is not mistaken for "no vGPUs" without a word
                var r = NvidiaSmiVgpuQueryParser.Parse(text);
                Assert.Empty(r.Value);
                Assert.Contains("no GPU blocks in the output", r.Warnings);
                break;
            }

            case "nutanix-a16-host-nvidia-smi-i0-q-470.txt":
            {
                // Host 'nvidia-smi -i 0 -q' (not 'vgpu -q'): the vgpu -q parser finds the GPU but no vGPUs.
                var r = NvidiaSmiVgpuQueryParser.Parse(text);
                var g = Assert.Single(r.Value);
                Assert.Equal("00000000:13:00.0", g.BusId);
                Assert.Empty(g.Vgpus);
                break;
            }

            default:
                Assert.Fail($"no expectation written for {Kind}/{file}");
                break;
        }
    }

    [Fact]
    public void Query_with_mdev_uuid_and_cut_output()
    {
        const string text = """
            GPU 00000000:01:00.0
                Active vGPUs                          : 2
                vGPU ID                               : 3251634248
                    VM UUID                           : 00000000-0000-0000-0000-000000000104
                    VM Name                           : win10,debug-threads=on
                    vGPU Name                         : GRID P40-1Q
                    vGPU Type                         : 46
                    vGPU UUID                         : 2b1f7b4c-0d2e-11ef-8f6f-1d2b3c4d5e6f
                    MDEV UUID                         : 00000000-0000-0000-0000-000000000104
                    Guest Driver Version              : 537.70
                    License Status                    : Licensed (Expiry: 2024-5-20 9:40:22 GMT)
                    Frame Rate Limit                  : 60 FPS
            """;
        var r = NvidiaSmiVgpuQueryParser.Parse(text);
        Assert.True(r.Truncated);
        var v = Assert.Single(Assert.Single(r.Value).Vgpus);
        Assert.Equal("00000000-0000-0000-0000-000000000104", v.MdevUuid);
        Assert.Equal("win10", v.VmDisplayName);
        Assert.Equal(46, v.VgpuTypeId);
        Assert.True(v.LicenceStatus!.IsLicensed);
        Assert.Equal("60 FPS", v.FrameRateLimit);
    }
}
