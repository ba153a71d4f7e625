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
                var table = NvidiaSmiVgpuTableParser.Parse(text);
                Assert.True(table.Value.NoSupportedDevices);
                Assert.Empty(table.Value.Gpus);
                var types = NvidiaSmiVgpuTypesParser.Parse(text);
                Assert.Empty(types.Value);
                Assert.True(types.IsComplete);
                break;
            }

            case "greendamtan-cmp40hx-550.54.14-active-vgpu-in-lxc.txt":
            {
                var r = NvidiaSmiVgpuTableParser.Parse(text);
                Assert.True(r.IsComplete);
                Assert.Equal("550.54.14", r.Value.DriverVersion);
                var g = Assert.Single(r.Value.Gpus);
                Assert.Equal("NVIDIA CMP 40HX", g.Name);
                Assert.Equal(3, g.UtilizationPercent);
                var v = Assert.Single(g.Vgpus);
                Assert.Equal(new VgpuTableInstance("3251634326", "GRID RTX600", true, "c269", true, "windows10,debug-", true, 3), v);
                break;
            }

            case "greendamtan-fnos-2080ti-550.90.07-active-vgpu.txt":
            {
                var r = NvidiaSmiVgpuTableParser.Parse(text);
                Assert.True(r.IsComplete);
                var g = Assert.Single(r.Value.Gpus);
                Assert.Equal("NVIDIA GeForce RTX 208", g.Name);
                Assert.True(g.NameCut);
                Assert.Equal("3251634248", Assert.Single(g.Vgpus).VgpuId);
                break;
            }

            case "greendamtan-gtx1060-550.144.02-active-vgpu-90pct.txt":
            {
                var r = NvidiaSmiVgpuTableParser.Parse(text);
                var g = Assert.Single(r.Value.Gpus);
                Assert.Equal(92, g.UtilizationPercent);
                var v = Assert.Single(g.Vgpus);
                Assert.Equal(90, v.UtilizationPercent);
                Assert.Equal("NVIDIA RTXA", v.Name);
                break;
            }

            case "nutanix-a16-host-nvidia-smi-i0-q-470.txt":
            {
                // Host 'nvidia-smi -i 0 -q' (not 'vgpu -q'): the vgpu -q parser finds the GPU but no vGPUs.
                var r = NvidiaSmiVgpuQueryParser.Parse(text);
                var g = Assert.Single(r.Value);
                Assert.Equal("00000000:13:00.0", g.BusId);
                Assert.Empty(g.Vgpus);
                Assert.Equal(VirtualizationMode.HostVgpu, Assert.Single(NvidiaSmiQueryParser.Parse(text).Value.Gpus).VirtualizationMode);
                break;
            }

            case "polloloco-rtx2080ti-525.60.12-vgpu-empty.txt":
            {
                var r = NvidiaSmiVgpuTableParser.Parse(text);
                Assert.True(r.IsComplete);
                Assert.False(r.Value.NoSupportedDevices);
                Assert.Equal("Sun Dec  4 12:55:09 2022", r.Value.Timestamp);
                var g = Assert.Single(r.Value.Gpus);
                Assert.Equal(0, g.Index);
                Assert.Equal("00000000:01:00.0", g.BusId);
                Assert.Empty(g.Vgpus);
                break;
            }

            default:
                Assert.Fail($"no expectation written for {Kind}/{file}");
                break;
        }
    }

    [Fact]
    public void Supported_types_plain_and_verbose_hex_ids()
    {
        var plain = NvidiaSmiVgpuTypesParser.Parse("GPU 00000000:01:00.0\n    GRID P40-1B\n    GRID P40-2B\n    GRID P40-1Q\n");
        Assert.True(plain.IsComplete);
        Assert.Equal(["GRID P40-1B", "GRID P40-2B", "GRID P40-1Q"], Assert.Single(plain.Value).Types.Select(t => t.Name));

        const string verbose = """
            GPU 00000000:01:00.0
                vGPU Type ID                          : 0x2e
                    Name                              : GRID P40-1Q
                    Class                             : Quadro
                    Max Instances                     : 24
                    Max Instances Per VM              : 1
                    Device ID                         : 0x1b3811e7
                    FB Memory                         : 968 MiB
                    Display Heads                     : 4
                    Maximum X Resolution              : 5120
                    Maximum Y Resolution              : 2880
                    Frame Rate Limit                  : 60 FPS
                    GRID License                      : Quadro-Virtual-DWS,5.0;GRID-Virtual-WS,2.0
                vGPU Type ID                          : 0x252
                    Name                              : NVIDIA A16-2Q
            """;
        var r = NvidiaSmiVgpuTypesParser.Parse(verbose);
        var types = Assert.Single(r.Value).Types;
        Assert.Equal(2, types.Length);
        Assert.Equal(46, types[0].TypeId);
        Assert.Equal("nvidia-46", types[0].MdevTypeId);
        Assert.Equal("Quadro", types[0].Class);
        Assert.Equal(968, types[0].FbMemoryMiB);
        Assert.Equal(5120, types[0].MaxResolutionX);
        Assert.Equal("60 FPS", types[0].FrameRateLimit);
        Assert.Equal("nvidia-594", types[1].MdevTypeId);
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
