namespace VgpuIac.Engine.Tests.Parsing;

/// <summary>Every kind of real output has a parser test; a new kind directory fails here until one is written.</summary>
public sealed class RealOutputsCoverageTests
{
    private static readonly Dictionary<string, string> Readers = new(StringComparer.Ordinal)
    {
        ["dkms-status"] = "Dkms.DkmsParserTests",
        ["dmesg-nvrm"] = "Kernel.KernelLogParserTests",
        ["fastapi-dls"] = "Licensing.FastApiDlsLogParserTests",
        ["lspci"] = "Pci.LspciParserTests",
        ["mdev-other-tools"] = "KeyValue.OtherToolsTests",
        ["mdevctl-list"] = "Mdev.MdevctlListParserTests",
        ["mdevctl-types"] = "Mdev.MdevctlTypesParserTests",
        ["mdevctl-types-json"] = "Mdev.MdevctlTypesJsonTests",
        ["nvidia-gridd"] = "Licensing.GridLogParserTests",
        ["nvidia-installer"] = "Installer.NvidiaInstallerParserTests",
        ["nvidia-smi-guest"] = "NvidiaSmi.NvidiaSmiTableParserTests",
        ["nvidia-smi-host"] = "NvidiaSmi.NvidiaSmiTableParserTests",
        ["nvidia-smi-q-host"] = "NvidiaSmi.NvidiaSmiQueryParserTests",
        ["nvidia-smi-q-license"] = "NvidiaSmi.GuestLicenceParserTests",
        ["nvidia-smi-query-csv"] = "NvidiaSmi.NvidiaSmiCsvParserTests",
        ["nvidia-smi-vgpu"] = "NvidiaSmi.NvidiaSmiVgpuParserTests",
        ["nvidia-smi-xml"] = "NvidiaSmi.NvidiaSmiXmlParserTests",
        ["profile-override"] = "../ProfileOverride.ProfileOverrideDocumentTests",
        ["pve-api-error"] = "Pve.PveApiErrorParserTests",
        ["qm-config"] = "Pve.QmConfigParserTests",
        ["qm-start"] = "Pve.QmStartParserTests",
        ["systemctl-vgpu"] = "Systemd.SystemctlStatusParserTests",
        ["vgpu-journal"] = "Journal.JournalParserTests",
        ["virsh-nodedev"] = "KeyValue.OtherToolsTests",
    };

    [Fact]
    public void Every_kind_has_a_reader_test()
    {
        var kinds = Directory.GetDirectories(RealOutputs.Directory).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToArray();
        Assert.NotEmpty(kinds);
        Assert.All(kinds, k => Assert.True(Readers.ContainsKey(k), $"no parser test reads the real-output kind '{k}'"));
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
