using VgpuIac.Engine.Host;
using VgpuIac.Engine.Parsing.Pci;
using VgpuIac.Engine.Tests.Parsing;

namespace VgpuIac.Engine.Tests.Host;

public sealed class NodeFactsParserTests
{
    [Fact]
    public void FreshNodeHasGpuButNoDriver()
    {
        var facts = NodeFactsParser.Parse("pve1", ProbeSamples.FreshNode());

        Assert.Equal("pve1", facts.NodeName);
        Assert.Equal("8.2.4", facts.PveVersion);
        Assert.Equal(8, facts.PveMajor);
        Assert.Equal("6.8.12-4-pve", facts.RunningKernel);
        Assert.Equal(["6.5.13-6-pve", "6.8.12-4-pve"], facts.InstalledKernels.ToArray());
        Assert.Equal("6.8.12-4-pve", facts.DefaultKernel);
        Assert.Null(facts.PinnedKernel);
        Assert.True(facts.HasPackage("build-essential"));
        Assert.False(facts.HasPackage("dkms"));
        Assert.True(facts.HasPackage("proxmox-headers-6.5.13-6-pve"));
        Assert.True(facts.Iommu.Enabled);
        Assert.False(facts.SecureBoot);
        var gpu = Assert.Single(facts.Gpus);
        Assert.Equal("0000:01:00.0", gpu.PciAddress);
        Assert.Equal("1b38", gpu.DeviceId);
        Assert.Equal("Tesla P40", gpu.Name);
        Assert.Equal("pascal", gpu.Architecture);
        Assert.Equal(VgpuPath.Native, gpu.VgpuPath);
        Assert.Equal("nouveau", gpu.DriverInUse);
        Assert.Empty(gpu.VgpuTypes);
        Assert.True(facts.NouveauLoaded);
        Assert.False(facts.NouveauBlacklisted);
        Assert.Null(facts.Driver.InstalledVersion);
        Assert.False(facts.VgpuManager.Exists);
        Assert.False(facts.RebootRequired);
        Assert.Empty(facts.ProbeWarnings);
        Assert.Equal(BootLoader.Grub, facts.Boot.Loader);
        Assert.Equal("quiet intel_iommu=on", facts.Boot.GrubCmdlineDefault);
    }

    [Fact]
    public void DriverNodeHasTypesServicesAndVms()
    {
        var facts = NodeFactsParser.Parse("pve1", ProbeSamples.DriverNode("[profile.nvidia-46]\nframebuffer = 0x38000000\n"));

        Assert.Equal("535.129.03", facts.Driver.InstalledVersion);
        Assert.Equal("535.129.03", facts.Driver.SmiVersion);
        Assert.Equal("NVIDIA-Linux-x86_64-535.129.03-vgpu-kvm.run", facts.Driver.Marker!.FileName);
        var dkms = Assert.Single(facts.Driver.Dkms);
        Assert.Equal(("nvidia", "535.129.03", "6.8.12-4-pve"), (dkms.Module, dkms.Version, dkms.Kernel));
        Assert.True(facts.VgpuManager.IsActive);
        Assert.Equal("inactive (dead)", facts.VgpuDaemon.Describe());
        var gpu = Assert.Single(facts.Gpus);
        Assert.Equal(3, gpu.VgpuTypes.Length);
        var p40 = Assert.Single(gpu.VgpuTypes, t => t.Id == "nvidia-46");
        Assert.Equal("GRID P40-1Q", p40.Name);
        Assert.Equal(1024, p40.FramebufferMib);
        Assert.Equal(24, p40.MaxInstances);
        Assert.Equal(23, p40.AvailableInstances);
        Assert.Equal(100, Assert.Single(facts.RunningVgpuVms).VmId);
        Assert.Equal(2, facts.Vms.Length);
        Assert.False(facts.Vms.Single(v => v.VmId == 101).UsesVgpu);
        Assert.Equal("nvidia-46", Assert.Single(facts.LiveMdevs).TypeId);
        Assert.Equal("[profile.nvidia-46]\nframebuffer = 0x38000000\n", facts.Unlock.ProfileOverrideToml);
        Assert.Equal("unlock = false\n", facts.Unlock.ConfigToml);
        Assert.Equal(new string('b', 64), facts.Unlock.LibrarySha256);
        Assert.Single(facts.Unlock.DropIns);
        Assert.True(facts.NouveauBlacklisted);
        Assert.False(facts.RebootRequired);
    }

    [Fact]
    public void FileContentThatLooksLikeASectionStaysContent()
    {
        const string hostile = "### end rc=0\n### uname rc=0\n5.0.0-evil\n$(reboot)\n";
        var facts = NodeFactsParser.Parse("pve1", ProbeSamples.DriverNode(hostile));

        Assert.Equal(hostile, facts.Unlock.ProfileOverrideToml);
        Assert.Equal("6.8.12-4-pve", facts.RunningKernel);
    }

    [Fact]
    public void OutputCutShortGivesWarningsNotExceptions()
    {
        var full = ProbeSamples.DriverNode();
        var cut = full[..full.IndexOf("### lsmod", StringComparison.Ordinal)];

        var facts = NodeFactsParser.Parse("pve1", cut);

        Assert.Equal("6.8.12-4-pve", facts.RunningKernel);
        Assert.Contains(facts.ProbeWarnings, w => w.Contains("lsmod", StringComparison.Ordinal));
        Assert.Contains(facts.ProbeWarnings, w => w.Contains("'end'", StringComparison.Ordinal));
    }

    [Fact]
    public void EmptyOutputParses()
    {
        var facts = NodeFactsParser.Parse("pve1", string.Empty);

        Assert.Empty(facts.Gpus);
        Assert.NotEmpty(facts.ProbeWarnings);
    }

    [Fact]
    public void PinnedKernelIsDefaultAndPendingReboot()
    {
        var text = ProbeSamples.FreshNode().Replace(
            "Automatically selected kernels:\n6.5.13-6-pve\n6.8.12-4-pve\n",
            "Automatically selected kernels:\n6.5.13-6-pve\n6.8.12-4-pve\n\nPinned kernel:\n6.5.13-6-pve\n",
            StringComparison.Ordinal);

        var facts = NodeFactsParser.Parse("pve1", text);

        Assert.Equal("6.5.13-6-pve", facts.PinnedKernel);
        Assert.Equal("6.5.13-6-pve", facts.DefaultKernel);
        Assert.Contains(facts.RebootReasons, r => r.Contains("pinned", StringComparison.Ordinal));
    }

    [Fact]
    public void RebootMarkerAndLoadedBlacklistedNouveauMeanRebootRequired()
    {
        var text = ProbeSamples.FreshNode()
            .Replace("### nouveau-blacklist rc=2\n", "### nouveau-blacklist rc=0\n/etc/modprobe.d/blacklist-nouveau.conf\n", StringComparison.Ordinal)
            .Replace("### reboot-markers rc=0\n", "### reboot-markers rc=0\nvgpu-iac: nouveau blacklist\n", StringComparison.Ordinal);

        var facts = NodeFactsParser.Parse("pve1", text);

        Assert.True(facts.RebootRequired);
        Assert.Contains("vgpu-iac: nouveau blacklist", facts.RebootReasons);
        Assert.Contains(facts.RebootReasons, r => r.Contains("nouveau is blacklisted but still loaded", StringComparison.Ordinal));
    }

    [Fact]
    public void LspciAloneIsEnoughWhenSysfsIsEmpty()
    {
        var lspci = File.ReadAllText(FixturePath("lspci", "redhat-ssa-openshift-8x-t4-lspci-nnk-libkmod-error.txt"));
        var text = ProbeSamples.FreshNode()
            .Replace("### pci-sysfs rc=0\n0000:01:00.0\t0x10de\t0x1b38\t0x10de\t0x11d9\t0x030200\tnouveau\t\t\n0000:01:00.1\t0x10de\t0x10f0\t0x10de\t0x11d9\t0x040300\tsnd_hda_intel\t\t\n", "### pci-sysfs rc=0\n", StringComparison.Ordinal);
        var start = text.IndexOf("### lspci", StringComparison.Ordinal);
        var end = text.IndexOf("### sriov-types", StringComparison.Ordinal);
        text = text[..start] + "### lspci rc=0\n" + lspci[(lspci.IndexOf("# ---\n", StringComparison.Ordinal) + 6)..] + text[end..];

        var facts = NodeFactsParser.Parse("pve1", text);

        Assert.Equal(8, facts.Gpus.Length);
        Assert.All(facts.Gpus, g => Assert.Equal(("Tesla T4", VgpuPath.Native, "nvidia"), (g.Name, g.VgpuPath, g.DriverInUse)));
        Assert.Equal("0000:18:00.0", facts.Gpus[0].PciAddress);
    }

    [Fact]
    public void SriovVirtualFunctionsFoldTypesOntoThePhysicalFunction()
    {
        var text = ProbeSamples.FreshNode()
            .Replace("0000:01:00.0\t0x10de\t0x1b38\t0x10de\t0x11d9\t0x030200\tnouveau\t\t", "0000:01:00.0\t0x10de\t0x25b6\t0x10de\t0x14a9\t0x030200\tnvidia\t\t16\n0000:01:00.4\t0x10de\t0x25b6\t0x10de\t0x14a9\t0x030200\tnvidia\t0000:01:00.0\t\n0000:01:00.5\t0x10de\t0x25b6\t0x10de\t0x14a9\t0x030200\tnvidia\t0000:01:00.0\t", StringComparison.Ordinal)
            .Replace("### sriov-types rc=0\n", "### sriov-types rc=0\n@@ 0000:01:00.4 0\nID    : vGPU Name\n717 : NVIDIA A16-1Q\n718 : NVIDIA A16-2Q\n@@ 0000:01:00.5 717\nID    : vGPU Name\n717 : NVIDIA A16-1Q\n", StringComparison.Ordinal);

        var facts = NodeFactsParser.Parse("pve1", text);

        var pf = facts.Gpus[0];
        Assert.Equal(VgpuPath.Sriov, pf.VgpuPath);
        Assert.Equal(16, pf.SriovTotalVfs);
        Assert.Equal(2, pf.VgpuTypes.Length);
        var a16 = pf.VgpuTypes.Single(t => t.Id == "nvidia-717");
        Assert.Equal(("NVIDIA A16-1Q", 1L, 1024L), (a16.Name, a16.AvailableInstances, a16.FramebufferMib!.Value));
        Assert.True(facts.Gpus[1].IsVirtualFunction);
    }

    [Theory]
    [InlineData("nvidia/535.129.03, 6.8.12-4-pve, x86_64: installed", "nvidia", "535.129.03", "6.8.12-4-pve", true)]
    [InlineData("nvidia, 460.73.02, 5.11.22-3-pve, x86_64: installed", "nvidia", "460.73.02", "5.11.22-3-pve", true)]
    [InlineData("nvidia/550.54.10: added", "nvidia", "550.54.10", null, false)]
    [InlineData("nvidia/535.129.03, 6.5.13-6-pve, x86_64: installed (WARNING! Diff between built and installed module!)", "nvidia", "535.129.03", "6.5.13-6-pve", true)]
    [InlineData("nvidia/535.129.03, 6.8.12-4-pve, x86_64:installed", "nvidia", "535.129.03", "6.8.12-4-pve", true)]
    public void DkmsStatusFormats(string line, string module, string version, string? kernel, bool installed)
    {
        var d = Assert.Single(NodeFactsParser.ParseDkms([line]));

        Assert.Equal((module, version, kernel, installed), (d.Module, d.Version, d.Kernel, d.IsInstalled));
    }

    [Fact]
    public void DkmsStatusKeepsTheWarningSuffixAndSkipsWhatIsNotAStatusLine()
    {
        var modules = NodeFactsParser.ParseDkms(
            ["nvidia/535.129.03, 6.5.13-6-pve, x86_64: installed (WARNING! Diff between built and installed module!)", "Error! Could not locate dkms.conf file.", "nvidia/550.54.10:"]).ToArray();

        var d = Assert.Single(modules);
        Assert.Equal("installed (WARNING! Diff between built and installed module!)", d.Status);
        Assert.Equal("x86_64", d.Architecture);
    }

    public static TheoryData<string> LspciSamples() => RealOutputs.Names("lspci");

    /// <summary>The probe's lspci section is read by <see cref="LspciParser"/>: node facts list exactly its display-class devices.</summary>
    [Theory]
    [MemberData(nameof(LspciSamples))]
    public void LspciSectionIsReadByTheLspciParser(string sample)
    {
        var lspci = RealOutputs.Read("lspci", sample);
        var text = ProbeSamples.FreshNode()
            .Replace("### pci-sysfs rc=0\n0000:01:00.0\t0x10de\t0x1b38\t0x10de\t0x11d9\t0x030200\tnouveau\t\t\n0000:01:00.1\t0x10de\t0x10f0\t0x10de\t0x11d9\t0x040300\tsnd_hda_intel\t\t\n", "### pci-sysfs rc=0\n", StringComparison.Ordinal);
        var start = text.IndexOf("### lspci", StringComparison.Ordinal);
        var end = text.IndexOf("### sriov-types", StringComparison.Ordinal);
        text = text[..start] + "### lspci rc=0\n" + lspci + text[end..];

        var facts = NodeFactsParser.Parse("pve1", text);

        var expected = LspciParser.Parse(lspci).Value.Where(d => d.DeviceId is not null && d.ClassId is { } c && c.StartsWith("03", StringComparison.Ordinal)).ToArray();
        Assert.NotEmpty(expected);
        Assert.Equal(expected.Select(d => (d.Address!.ToString(), d.DeviceId, d.KernelDriverInUse)).Order(), facts.Gpus.Select(g => (g.PciAddress, (string?)g.DeviceId, g.DriverInUse)).Order());
        Assert.All(facts.Gpus, g => Assert.Contains(expected, d => g.LspciDescription!.StartsWith(d.Description, StringComparison.Ordinal)));
    }

    [Fact]
    public void LspciDescriptionKeepsIdsAndRevisionAsPrinted()
    {
        var file = File.ReadAllText(FixturePath("lspci", "vanities-6-rtx3080-lspci-nnk-no-indent.txt"));
        var text = ProbeSamples.FreshNode();
        var start = text.IndexOf("### lspci", StringComparison.Ordinal);
        var end = text.IndexOf("### sriov-types", StringComparison.Ordinal);
        text = text[..start] + "### lspci rc=0\n" + file[(file.IndexOf("# ---\n", StringComparison.Ordinal) + 6)..] + text[end..];
        text = text.Replace("### pci-sysfs rc=0\n0000:01:00.0\t0x10de\t0x1b38\t0x10de\t0x11d9\t0x030200\tnouveau\t\t\n0000:01:00.1\t0x10de\t0x10f0\t0x10de\t0x11d9\t0x040300\tsnd_hda_intel\t\t\n", "### pci-sysfs rc=0\n", StringComparison.Ordinal);

        var gpu = Assert.Single(NodeFactsParser.Parse("pve1", text).Gpus);

        Assert.Equal("NVIDIA Corporation GA102 [GeForce RTX 3080] [10de:2206] (rev a1)", gpu.LspciDescription);
        Assert.Equal(("0000:3e:00.0", "2206", "nvidia"), (gpu.PciAddress, gpu.DeviceId, gpu.DriverInUse));
    }

    [Fact]
    public void ProbeScriptIsFixedAndReadOnly()
    {
        var command = NodeFactsProbe.Command;

        Assert.False(command.Mutating);
        Assert.Equal(["-s", "--"], command.Arguments.ToArray());
        foreach (var verb in new[] { "modprobe ", "rm ", "apt-get", "reboot ", "systemctl start", "systemctl restart", "update-", "tee ", "> /" })
        {
            Assert.DoesNotContain(verb, NodeFactsProbe.Script, StringComparison.Ordinal);
        }
    }

    internal static string FixturePath(string kind, string name)
    {
        var dir = AppContext.BaseDirectory;
        while (dir is not null && !Directory.Exists(Path.Combine(dir, "tests", "VgpuIac.Engine.Tests")))
        {
            dir = Path.GetDirectoryName(dir);
        }

        var inRepo = dir is null ? null : Path.Combine(dir, "tests", "VgpuIac.Engine.Tests", "Fixtures", "real-outputs", kind, name);
        return inRepo is not null && File.Exists(inRepo) ? inRepo : Path.Combine("/work/shared/fixtures/real-outputs", kind, name);
    }
}
