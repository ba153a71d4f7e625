using VgpuIac.Engine.Parsing.Pci;
using VgpuIac.Engine.Parsing.Pve;

namespace VgpuIac.Engine.Tests.Parsing.Pve;

public sealed class QmConfigParserTests
{
    private const string Kind = "qm-config";

    public static TheoryData<string> Files => RealOutputs.Names(Kind);

    [Theory]
    [MemberData(nameof(Files))]
    public void Reads_every_real_sample(string file)
    {
        var r = QmConfigParser.Parse(RealOutputs.Read(Kind, file));
        Assert.True(r.IsComplete);
        var c = r.Value;
        switch (file)
        {
            case "dualcoder-30-100conf-p400-as-p4-nvidia-63.txt":
                Assert.Equal(18, c.Entries.Length);
                Assert.Equal("win10-vgpu", c.Name);
                Assert.Equal("pc-i440fx-5.2", c.Machine);
                Assert.Equal("1c528cb7-9d74-4ee8-84ab-26764ea9bda1", c.SmbiosUuid);
                var h = Assert.Single(c.HostPci);
                Assert.Equal(0, h.Index);
                Assert.Equal("01:00.0", h.Device.Host);
                Assert.Equal(new PciAddress(0, 1, 0, 0), Assert.Single(h.Device.HostAddresses));
                Assert.Equal("0000:01:00.0", h.Device.HostAddresses[0].ToString());
                Assert.Equal("nvidia-63", h.Device.Mdev);
                Assert.Null(h.Device.Pcie);
                Assert.Equal("00000000-0000-0000-0000-000000000100", c.LegacyVgpuArgs!.Uuid);
                Assert.False(c.LegacyVgpuArgs.HasVfioMdevDevice);
                Assert.Null(c.Description);
                break;
            case "dualcoder-9-args-uuid-only-line.txt":
                Assert.Equal("00000000-0000-0000-0000-000000000100", c.LegacyVgpuArgs!.Uuid);
                Assert.Empty(c.HostPci);
                break;
            default:
                Assert.Fail($"no expectation written for {Kind}/{file}");
                break;
        }
    }

    [Fact]
    public void Description_snapshots_mapping_and_legacy_device_args()
    {
        const string text = """
            #vGPU guest%3A P40-1Q
            #second line
            args: -device 'vfio-pci,sysfsdev=/sys/bus/mdev/devices/00000000-0000-0000-0000-000000000104' -uuid 00000000-0000-0000-0000-000000000104
            bios: ovmf
            hostpci0: mapping=p40,mdev=nvidia-46,pcie=1
            hostpci1: host=0000:41:00.0;0000:41:00.1,pcie=1,rombar=0,x-vga=1,vendor-id=0x10de,driver=keep,foo=bar
            hostpci10: 0000:c1:00,mdev=nvidia-47
            machine: q35
            name: gpu
            parent: snap1

            [snap1]
            hostpci0: 0000:01:00.0,mdev=nvidia-48
            name: old
            snaptime: 1700000000

            [PENDING]
            memory: 4096
            """;
        var r = QmConfigParser.Parse(text);
        Assert.True(r.IsComplete);
        var c = r.Value;
        Assert.Equal("vGPU guest: P40-1Q\nsecond line", c.Description);
        Assert.Equal(["snap1", "PENDING"], c.Sections.ToArray());
        Assert.Equal("gpu", c.Name);
        Assert.Equal([0, 1, 10], c.HostPci.Select(h => h.Index));
        var mapped = c.HostPci[0].Device;
        Assert.Equal("p40", mapped.Mapping);
        Assert.Null(mapped.Host);
        Assert.True(mapped.Pcie);
        Assert.True(mapped.IsMediated);
        var raw = c.HostPci[1].Device;
        Assert.Equal(["0000:41:00.0", "0000:41:00.1"], raw.HostAddresses.Select(a => a.ToString()));
        Assert.False(raw.Rombar);
        Assert.True(raw.XVga);
        Assert.Equal("0x10de", raw.VendorId);
        Assert.Equal("keep", raw.Driver);
        Assert.Equal(new KeyValuePair<string, string>("foo", "bar"), Assert.Single(raw.OtherOptions));
        Assert.Null(c.HostPci[2].Device.HostAddresses[0].Function);
        var args = c.LegacyVgpuArgs!;
        Assert.Equal("/sys/bus/mdev/devices/00000000-0000-0000-0000-000000000104", Assert.Single(args.SysfsDevices));
        Assert.Equal("00000000-0000-0000-0000-000000000104", args.Uuid);
    }

    [Fact]
    public void Odd_lines_and_bad_flags_are_warnings()
    {
        var r = QmConfigParser.Parse("garbage line here\nmemory: 2048\n");
        Assert.Single(r.Warnings);
        Assert.Equal("2048", r.Value.Get("memory"));

        var h = HostPciParser.Parse("01:00.0,pcie=maybe");
        Assert.Null(h.Value.Pcie);
        Assert.Single(h.Warnings);
        Assert.Single(HostPciParser.Parse("").Warnings);
        Assert.Single(HostPciParser.Parse("not-an-address").Warnings);
    }

    [Theory]
    [InlineData("0000:01:00.0", 0, 1, 0, 0)]
    [InlineData("00000001:C8:00.0", 1, 0xc8, 0, 0)]
    [InlineData("01:00.0", 0, 1, 0, 0)]
    [InlineData("e7:1f.7", 0, 0xe7, 0x1f, 7)]
    public void Pci_addresses(string text, int domain, int bus, int device, int function) =>
        Assert.Equal(new PciAddress(domain, bus, device, function), PciAddress.TryParse(text));

    [Theory]
    [InlineData("")]
    [InlineData("0000:01:00.8")]
    [InlineData("01:00.0.1")]
    [InlineData("1:0:0:0")]
    [InlineData("zz:00.0")]
    public void Not_pci_addresses(string text) => Assert.Null(PciAddress.TryParse(text));
}
