namespace VgpuIac.Engine.Tests.Parsing;

/// <summary>
/// Every kind of real output has a parser test, or is listed as read by no parser with the reason (a format VgpuIac
/// does not read; kept as the simulator's yardstick); a new kind directory fails here until one or the other is written.
/// </summary>
public sealed class RealOutputsCoverageTests
{
    private static readonly Dictionary<string, string> Readers = new(StringComparer.Ordinal)
    {
        ["dkms-status"] = "Dkms.DkmsParserTests",
        ["dmesg-nvrm"] = "Kernel.KernelLogParserTests",
        ["lspci"] = "Pci.LspciParserTests",
        ["mdevctl-types-json"] = "Mdev.MdevctlTypesJsonTests",
        ["nvidia-gridd"] = "Licensing.GridLogParserTests",
        ["nvidia-installer"] = "Installer.NvidiaInstallerParserTests",
        ["nvidia-smi-guest"] = "NvidiaSmi.NvidiaSmiTableParserTests",
        ["nvidia-smi-host"] = "NvidiaSmi.NvidiaSmiTableParserTests",
        ["nvidia-smi-q-license"] = "NvidiaSmi.GuestLicenceParserTests",
        ["nvidia-smi-vgpu"] = "NvidiaSmi.NvidiaSmiVgpuParserTests",
        ["profile-override"] = "../ProfileOverride.ProfileOverrideDocumentTests",
        ["qm-config"] = "Pve.QmConfigParserTests",
        ["qm-start"] = "Pve.QmStartParserTests",
        ["systemctl-vgpu"] = "Journal.VgpuManagerReasonsTests",
        ["vgpu-journal"] = "Journal.JournalParserTests",
    };

    /// <summary>Kinds no parser reads (their parsers had no job in the product and were deleted, issue 14).</summary>
    private static readonly Dictionary<string, string> Unread = new(StringComparer.Ordinal)
    {
        ["fastapi-dls"] = "the licence server's docker logs are shown as printed in its diagnostics",
        ["mdev-other-tools"] = "nvidia-dev-ctl is not used: mdevs are read from sysfs",
        ["mdevctl-list"] = "live mdevs are read from /sys/bus/mdev/devices",
        ["mdevctl-types"] = "the node probe asks for `mdevctl types --dumpjson` (read by MdevctlTypesParser); the text layout is the simulator's yardstick",
        ["nvidia-smi-q-host"] = "a host's GPUs come from sysfs and lspci, its vGPUs from `nvidia-smi vgpu -q`",
        ["nvidia-smi-query-csv"] = "only `--query-gpu=driver_version` is read (one value); the simulator's yardstick",
        ["nvidia-smi-xml"] = "the XML form is not read",
        ["pve-api-error"] = "VgpuIac drives PVE with qm/pct over SSH, not its HTTP API",
        ["virsh-nodedev"] = "PVE has no libvirt",
    };

    [Fact]
    public void Every_kind_has_a_reader_test()
    {
        var kinds = Directory.GetDirectories(RealOutputs.Directory).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToArray();
        Assert.NotEmpty(kinds);
        Assert.All(kinds, k => Assert.True(Readers.ContainsKey(k) ^ Unread.ContainsKey(k), $"the real-output kind '{k}' needs a parser test, or an entry in Unread with the reason no parser reads it (not both)"));
    }

    [Fact]
    public void Every_named_reader_test_exists_and_has_tests()
    {
        foreach (var (kind, name) in Readers)
        {
            // names are relative to VgpuIac.Engine.Tests.Parsing; "../X.Y" is relative to VgpuIac.Engine.Tests
            var full = name.StartsWith("../", StringComparison.Ordinal) ? "VgpuIac.Engine.Tests." + name[3..] : "VgpuIac.Engine.Tests.Parsing." + name;
            var type = typeof(RealOutputsCoverageTests).Assembly.GetType(full);
            Assert.True(type is not null, $"the reader test named for '{kind}' does not exist: {full}");
            Assert.True(
                type!.GetMethods().Any(m => m.GetCustomAttributes(typeof(FactAttribute), inherit: true).Length > 0),
                $"{full} (named for '{kind}') has no tests");
        }
    }

    [Fact]
    public void Every_sample_has_a_header_and_text()
    {
        foreach (var kind in Directory.GetDirectories(RealOutputs.Directory).Select(Path.GetFileName).OfType<string>())
        {
            foreach (var name in RealOutputs.List(kind))
            {
                Assert.False(string.IsNullOrWhiteSpace(RealOutputs.Read(kind, name)), $"{kind}/{name} has no text after '# ---'");
            }
        }
    }
}
