using VgpuIac.Engine.Parsing.NvidiaSmi;
using VgpuIac.Engine.Parsing.Pci;

namespace VgpuIac.Engine.Tests.Parsing.NvidiaSmi;

public sealed class NvidiaSmiQueryParserTests
{
    public static TheoryData<string> HostFiles => RealOutputs.Names("nvidia-smi-q-host");

    [Theory]
    [MemberData(nameof(HostFiles))]
    public void Reads_every_host_sample(string file)
    {
        var r = NvidiaSmiQueryParser.Parse(RealOutputs.Read("nvidia-smi-q-host", file));
        switch (file)
        {
            case "bigstack-cubecos-312-host-q-memory-performance-580.105.06.txt":
                Assert.Equal("580.105.06", r.Value.DriverVersion);
                Assert.Equal("Not Found", r.Value.CudaVersion);
                Assert.Equal("Wed Jan 14 15:17:09 2026", r.Value.Timestamp);
                Assert.Equal(4, r.Value.AttachedGpuCount);
                Assert.Equal("Supported", r.Value.HeterogeneousMultiVgpu);
                var g = Assert.Single(r.Value.Gpus);
                Assert.Equal("00000000:42:00.0", g.BusId);
                Assert.Equal(new PciAddress(0, 0x42, 0, 0), g.Address);
                Assert.Equal(VirtualizationMode.Unknown, g.VirtualizationMode);
                Assert.Single(r.Warnings);
                break;
            default:
                Assert.Fail($"no expectation written for nvidia-smi-q-host/{file}");
                break;
        }
    }

    [Fact]
    public void Reads_the_host_vgpu_mode_of_the_nutanix_sample()
    {
        var r = NvidiaSmiQueryParser.Parse(RealOutputs.Read("nvidia-smi-vgpu", "nutanix-a16-host-nvidia-smi-i0-q-470.txt"));
        Assert.Equal("470.129.04", r.Value.DriverVersion);
        Assert.Equal(4, r.Value.AttachedGpuCount);
        var g = Assert.Single(r.Value.Gpus);
        Assert.Equal("NVIDIA A16", g.ProductName);
        Assert.Equal(VirtualizationMode.HostVgpu, g.VirtualizationMode);
        Assert.Equal("SR-IOV", g.HostVgpuMode);
        Assert.Equal("0x25B610DE", g.PciDeviceId);
        Assert.Equal(15105, g.FbTotalMiB);
        Assert.Equal(0, g.FbUsedMiB);
        Assert.Null(g.LicenceStatus);
    }

    [Fact]
    public void Empty_output_is_a_warning()
    {
        var r = NvidiaSmiQueryParser.Parse("");
        Assert.Empty(r.Value.Gpus);
        Assert.Single(r.Warnings);
    }
}
