using VgpuIac.Engine.Parsing.NvidiaSmi;

namespace VgpuIac.Engine.Tests.Parsing.NvidiaSmi;

public sealed class NvidiaSmiXmlParserTests
{
    private const string Kind = "nvidia-smi-xml";

    public static TheoryData<string> Files => RealOutputs.Names(Kind);

    [Theory]
    [MemberData(nameof(Files))]
    public void Reads_every_real_sample(string file)
    {
        var text = RealOutputs.Read(Kind, file);
        var r = NvidiaSmiXmlParser.Parse(text);
        switch (file)
        {
            case "it-novum-check-nvidia-smi-4x-tesla-m10-host-390.94.txt":
                Assert.True(r.IsComplete);
                Assert.Equal("v9", r.Value.DtdVersion);
                Assert.Equal("390.94", r.Value.DriverVersion);
                Assert.Null(r.Value.CudaVersion);
                Assert.Equal(4, r.Value.AttachedGpuCount);
                Assert.Equal(["00000000:1A:00.0", "00000000:1B:00.0", "00000000:1C:00.0", "00000000:1D:00.0"], r.Value.Gpus.Select(g => g.BusId));
                Assert.All(r.Value.Gpus, g =>
                {
                    Assert.Equal("Tesla M10", g.ProductName);
                    Assert.Equal(VirtualizationMode.HostVgpu, g.VirtualizationMode);
                    Assert.Null(g.HostVgpuMode);
                    Assert.Equal("13BD10DE", g.PciDeviceId);
                    Assert.Equal(8191, g.FbTotalMiB);
                    Assert.Equal(2, g.Processes.Length);
                });
                Assert.Equal(new GpuProcess(null, null, null, 42818686, "C+G", "TS-526", 4064), r.Value.Gpus[0].Processes[0]);

                // Cut in the middle of the third GPU: the first two are kept.
                var cut = NvidiaSmiXmlParser.Parse(text[..text.IndexOf("<gpu id=\"00000000:1C:00.0\">", StringComparison.Ordinal)] + "<gpu id=\"00000000:1C:00.0\"><product_na");
                Assert.True(cut.Truncated);
                Assert.Equal(2, cut.Value.Gpus.Length);
                break;
            default:
                Assert.Fail($"no expectation written for {Kind}/{file}");
                break;
        }
    }

    [Fact]
    public void Reads_a_v11_guest_with_space_indentation_and_licence()
    {
        const string xml = """
            <?xml version="1.0" ?>
            <!DOCTYPE nvidia_smi_log SYSTEM "nvsmi_device_v11.dtd">
            <nvidia_smi_log>
              <timestamp>Mon Mar 31 05:01:08 2025</timestamp>
              <driver_version>535.183.06</driver_version>
              <cuda_version>12.2</cuda_version>
              <attached_gpus>1</attached_gpus>
              <gpu id="00000000:00:10.0">
                <product_name>NVIDIA RTXA6000-24Q</product_name>
                <gpu_virtualization_mode>
                  <virtualization_mode>VGPU</virtualization_mode>
                  <host_vgpu_mode>N/A</host_vgpu_mode>
                </gpu_virtualization_mode>
                <vgpu_software_licensed_product>
                  <licensed_product_name>NVIDIA RTX Virtual Workstation</licensed_product_name>
                  <license_status>Licensed (Expiry: 2025-4-2 3:4:5 GMT)</license_status>
                </vgpu_software_licensed_product>
                <fb_memory_usage><total>24576 MiB</total><used>0 MiB</used></fb_memory_usage>
                <processes></processes>
              </gpu>
            </nvidia_smi_log>
            """;
        var r = NvidiaSmiXmlParser.Parse(xml);
        Assert.True(r.IsComplete);
        Assert.Equal("v11", r.Value.DtdVersion);
        var g = Assert.Single(r.Value.Gpus);
        Assert.Equal(VirtualizationMode.Vgpu, g.VirtualizationMode);
        Assert.Equal("N/A", g.HostVgpuMode);
        Assert.Equal(new DateTimeOffset(2025, 4, 2, 3, 4, 5, TimeSpan.Zero), g.LicenceStatus!.Expiry);
        Assert.Equal("NVIDIA RTX Virtual Workstation", g.LicensedProductName);
        Assert.Empty(g.Processes);
    }

    [Theory]
    [InlineData("")]
    [InlineData("NVIDIA-SMI has failed")]
    [InlineData("<nvidia_smi_log><driver_version>1")]
    public void Junk_does_not_throw(string text) => Assert.Empty(NvidiaSmiXmlParser.Parse(text).Value.Gpus);

    [Theory]
    [InlineData("None", VirtualizationMode.None)]
    [InlineData("Pass-Through", VirtualizationMode.PassThrough)]
    [InlineData("VGPU", VirtualizationMode.Vgpu)]
    [InlineData("Host VGPU", VirtualizationMode.HostVgpu)]
    public void Virtualization_modes(string text, VirtualizationMode mode) =>
        Assert.Equal(mode, NvidiaSmiQueryParser.ParseVirtualizationMode(text));
}
