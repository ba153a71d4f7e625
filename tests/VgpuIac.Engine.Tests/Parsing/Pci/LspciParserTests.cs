using VgpuIac.Engine.Parsing.Pci;

namespace VgpuIac.Engine.Tests.Parsing.Pci;

public sealed class LspciParserTests
{
    private const string Kind = "lspci";

    public static TheoryData<string> Files => RealOutputs.Names(Kind);

    [Theory]
    [MemberData(nameof(Files))]
    public void Reads_every_real_sample(string file)
    {
        var r = LspciParser.Parse(RealOutputs.Read(Kind, file));
        switch (file)
        {
            case "anomixer-29-p100-lspci-nn-grep.txt":
            {
                Assert.True(r.IsComplete);
                var d = Assert.Single(r.Value);
                Assert.Equal(new PciAddress(0, 1, 0, 0), d.Address);
                Assert.Equal("3D controller", d.ClassName);
                Assert.Equal("0302", d.ClassId);
                Assert.Equal("NVIDIA Corporation GP100GL [Tesla P100 PCIe 16GB]", d.Description);
                Assert.Equal(("10de", "15f8", "a1"), (d.VendorId, d.DeviceId, d.Revision));
                Assert.True(d.IsNvidia);
                Assert.Null(d.KernelDriverInUse);
                break;
            }

            case "greendamtan-tesla-p4-lspci-nnk-nvidia-in-use.txt":
            {
                Assert.True(r.IsComplete);
                var d = Assert.Single(r.Value);
                Assert.Equal("1bb3", d.DeviceId);
                Assert.Equal(("10de", "11d8"), (d.SubsystemVendorId, d.SubsystemDeviceId));
                Assert.Equal("nvidia", d.KernelDriverInUse);
                Assert.Equal(["nouveau", "nvidia_drm", "nvidia_vgpu_vfio", "nvidia"], d.KernelModules.ToArray());
                break;
            }

            case "redhat-ssa-openshift-8x-t4-lspci-nnk-libkmod-error.txt":
                Assert.Equal(8, r.Value.Length);
                Assert.All(r.Value, d =>
                {
                    Assert.Equal("1eb8", d.DeviceId);
                    Assert.Equal("NVIDIA Corporation Device [10de:12a2]", d.Subsystem);
                    Assert.Equal("12a2", d.SubsystemDeviceId);
                    Assert.Equal("nvidia", d.KernelDriverInUse);
                    Assert.Empty(d.KernelModules);
                });
                Assert.Equal(["18:00.0", "19:00.0", "35:00.0", "36:00.0", "e7:00.0", "e8:00.0", "f4:00.0", "f5:00.0"], r.Value.Select(d => d.AddressText));
                Assert.Contains(r.Warnings, w => w.Contains("libkmod", StringComparison.Ordinal));
                break;
            case "vanities-6-rtx3080-lspci-nnk-no-indent.txt":
                Assert.True(r.IsComplete);
                Assert.Equal(2, r.Value.Length);
                Assert.Equal("VGA compatible controller", r.Value[0].ClassName);
                Assert.Equal("nvidia", r.Value[0].KernelDriverInUse);
                Assert.Equal(("1458", "404b"), (r.Value[0].SubsystemVendorId, r.Value[0].SubsystemDeviceId));
                Assert.Equal("snd_hda_intel", r.Value[1].KernelDriverInUse);
                Assert.Equal(["snd_hda_intel"], r.Value[1].KernelModules.ToArray());
                break;
            default:
                Assert.Fail($"no expectation written for {Kind}/{file}");
                break;
        }
    }

    [Fact]
    public void Unknown_device_names_domains_and_vfio()
    {
        const string text = "0000:41:00.4 3D controller [0302]: NVIDIA Corporation Device [10de:2235] (rev a1)\n\tKernel driver in use: vfio-pci\n0001:c8:00.0 3D controller [0302]: NVIDIA Corporation Device [10de:2bb5]\n";
        var r = LspciParser.Parse(text);
        Assert.True(r.IsComplete);
        Assert.Equal("NVIDIA Corporation Device", r.Value[0].Description);
        Assert.Equal("2235", r.Value[0].DeviceId);
        Assert.Equal("vfio-pci", r.Value[0].KernelDriverInUse);
        Assert.Equal(new PciAddress(1, 0xc8, 0, 0), r.Value[1].Address);
        Assert.Null(r.Value[1].Revision);
        Assert.Empty(LspciParser.Parse("").Value);
    }
}
