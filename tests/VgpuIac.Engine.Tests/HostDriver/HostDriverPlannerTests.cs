using VgpuIac.Engine.Host;
using VgpuIac.Engine.HostDriver;
using VgpuIac.Engine.Tests.Host;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.Tests.HostDriver;

public sealed class HostDriverPlannerTests
{
    private const string Sha = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    private static HostDriverConfig Url(string version, string compatibility = "enforce") => new()
    {
        InstallerUrl = $"https://files.example/NVIDIA-Linux-x86_64-{version}-vgpu-kvm.run",
        InstallerSha256 = Sha,
        KernelCompatibility = compatibility,
    };

    [Fact]
    public void TutorialDriverOnKernel68IsAnErrorNamingTheKernelToPin()
    {
        var plan = HostDriverPlanner.Plan(Url("535.129.03"), NodeFactsParser.Parse("pve1", ProbeSamples.FreshNode()));

        var error = Assert.Single(plan.Diagnostics, d => d.IsError);
        Assert.Contains("proxmox-boot-tool kernel pin 6.5.13-6-pve", error.Detail, StringComparison.Ordinal);
        Assert.Equal("version", error.Path!.ToString());
    }

    [Theory]
    [InlineData("warn", 1)]
    [InlineData("off", 0)]
    public void KernelPolicyCanBeRelaxed(string policy, int warnings)
    {
        var plan = HostDriverPlanner.Plan(Url("535.129.03", policy), NodeFactsParser.Parse("pve1", ProbeSamples.FreshNode()));

        Assert.False(plan.HasErrors);
        Assert.Equal(warnings, plan.Diagnostics.Count(d => d.Summary.Contains("kernel", StringComparison.Ordinal)));
    }

    [Fact]
    public void FreshNodeNeedsPackagesBlacklistRebootAndInstall()
    {
        var facts = NodeFactsParser.Parse("pve1", ProbeSamples.FreshNode());

        var plan = HostDriverPlanner.Plan(Url("535.230.02"), facts);

        Assert.False(plan.HasErrors);
        Assert.Equal(["dkms", "proxmox-headers-6.8.12-4-pve"], plan.MissingPackages.ToArray());
        Assert.True(plan.BlacklistNouveau);
        Assert.NotEmpty(plan.RebootBeforeInstall);
        Assert.True(plan.Install);
        Assert.Null(plan.UninstallVersion);
        Assert.True(plan.RebootPlanned);
        Assert.Equal("NVIDIA-Linux-x86_64-535.230.02-vgpu-kvm.run", plan.RemoteFileName);
    }

    [Fact]
    public void InstalledButNotLoadedPlansTheRebootThatLoadsIt()
    {
        var loaded = NodeFactsParser.Parse("pve1", ProbeSamples.DriverNode());
        var facts = loaded with { Driver = loaded.Driver with { LoadedModuleVersion = null, SmiVersion = null } };
        var config = Url("535.129.03") with { InstallerSha256 = new string('a', 64) };

        var plan = HostDriverPlanner.Plan(config, facts);

        Assert.True(facts.Driver.InstalledButNotLoaded);
        Assert.False(plan.Install);
        Assert.True(plan.FinishPendingReboot);
        Assert.False(plan.StartServices);
        Assert.True(plan.RebootPlanned);
        Assert.Contains(plan.RebootReasons(facts), r => r.Contains("not loaded yet", StringComparison.Ordinal));
        Assert.False(HostDriverPlanner.Plan(config with { RebootIfNeeded = false }, facts).RebootPlanned);
    }

    [Fact]
    public void UninstalledDriverWhoseModuleIsStillLoadedIsNotInstalled()
    {
        var loaded = NodeFactsParser.Parse("pve1", ProbeSamples.DriverNode());
        var facts = loaded with { Driver = new HostDriverFacts { LoadedModuleVersion = "535.129.03" } };

        var plan = HostDriverPlanner.Plan(Url("535.129.03"), facts);

        Assert.Null(facts.Driver.InstalledVersion);
        Assert.True(plan.Install);
        Assert.Null(plan.UninstallVersion);
        Assert.True(plan.RebootPlanned);
    }

    [Fact]
    public void InstalledSameFileChangesNothing()
    {
        var facts = NodeFactsParser.Parse("pve1", ProbeSamples.DriverNode());
        var config = Url("535.129.03") with { InstallerSha256 = new string('a', 64) };

        var plan = HostDriverPlanner.Plan(config, facts);

        Assert.False(plan.ChangesNode);
        Assert.False(plan.RebootPlanned);
        Assert.Empty(plan.Diagnostics);
        Assert.Equal(HostDriverHealth.Ok, HostDriverHealth.Describe(facts, "535.129.03"));
    }

    [Fact]
    public void DkmsTrueOverADriverNotRegisteredWithDkmsSaysWhyAndChangesNothing()
    {
        var node = NodeFactsParser.Parse("pve1", ProbeSamples.DriverNode());
        var facts = node with { Driver = node.Driver with { Dkms = [] } }; // `dkms status` answers nothing: no dkms package
        var config = Url("535.129.03") with { InstallerSha256 = new string('a', 64) };

        var plan = HostDriverPlanner.Plan(config, facts);

        Assert.False(plan.ChangesNode);
        var warning = Assert.Single(plan.Diagnostics);
        Assert.False(warning.IsError);
        Assert.Equal("Host driver 535.129.03 on node \"pve1\" is not registered with DKMS", warning.Summary);
        Assert.Contains("the `dkms` package is not installed", warning.Detail, StringComparison.Ordinal);
        Assert.Contains("this apply does not reinstall it", warning.Detail, StringComparison.Ordinal);
        Assert.Empty(HostDriverPlanner.Plan(config with { Dkms = false }, facts).Diagnostics);
        Assert.False(HostDriverPlanner.RegisteredWithDkms(facts));
        Assert.True(HostDriverPlanner.RegisteredWithDkms(node));
    }

    [Fact]
    public void SameVersionFromAnotherFileIsReinstalled()
    {
        var facts = NodeFactsParser.Parse("pve1", ProbeSamples.DriverNode());

        var plan = HostDriverPlanner.Plan(Url("535.129.03") with { ForceDestroy = true }, facts);

        Assert.True(plan.Install);
        Assert.Equal("535.129.03", plan.UninstallVersion);
    }

    [Fact]
    public void NewVersionUninstallsOldButNotUnderRunningVgpuVms()
    {
        var facts = NodeFactsParser.Parse("pve1", ProbeSamples.DriverNode());

        var refused = HostDriverPlanner.Plan(Url("535.230.02"), facts);
        var forced = HostDriverPlanner.Plan(Url("535.230.02") with { ForceDestroy = true }, facts);

        var error = Assert.Single(refused.Diagnostics, d => d.IsError);
        Assert.Contains("VM 100 (win10)", error.Detail, StringComparison.Ordinal);
        Assert.Equal("force_destroy", error.Path!.ToString());
        Assert.False(forced.HasErrors);
        Assert.Equal("535.129.03", forced.UninstallVersion);
    }

    [Fact]
    public void IommuOffIsAnErrorWithTheExactArgumentsUnlessEnabled()
    {
        var text = ProbeSamples.FreshNode()
            .Replace("### iommu-class rc=0\ndmar0\ndmar1\n", "### iommu-class rc=0\n", StringComparison.Ordinal)
            .Replace("### iommu-groups rc=0\n42\n", "### iommu-groups rc=0\n0\n", StringComparison.Ordinal)
            .Replace("GRUB_CMDLINE_LINUX_DEFAULT=\"quiet intel_iommu=on\"", "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"", StringComparison.Ordinal);
        var facts = NodeFactsParser.Parse("pve1", text);

        var refused = HostDriverPlanner.Plan(Url("535.230.02"), facts);
        var enabled = HostDriverPlanner.Plan(Url("535.230.02") with { EnableIommu = true }, facts);

        var error = Assert.Single(refused.Diagnostics, d => d.IsError);
        Assert.Contains("intel_iommu=on iommu=pt", error.Detail, StringComparison.Ordinal);
        Assert.Contains("update-grub", error.Detail, StringComparison.Ordinal);
        Assert.True(enabled.EnableIommu);
        Assert.Contains(enabled.RebootBeforeInstall, r => r.Contains("IOMMU", StringComparison.Ordinal));
    }

    [Fact]
    public void AmpereGeForceOnlyIsRefused()
    {
        var text = ProbeSamples.FreshNode().Replace("0x1b38", "0x2206", StringComparison.Ordinal)
            .Replace("GP102GL [Tesla P40] [10de:1b38]", "GA102 [GeForce RTX 3080] [10de:2206]", StringComparison.Ordinal);

        var plan = HostDriverPlanner.Plan(Url("535.230.02"), NodeFactsParser.Parse("pve1", text));

        Assert.Contains(plan.Diagnostics, d => d.IsError && d.Summary.Contains("no vGPU-capable GPU", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("https://x.example/download?id=1;reboot", null, "NVIDIA-Linux-x86_64-535.230.02-vgpu-kvm.run")]
    [InlineData("https://x.example/$(reboot).run", null, "NVIDIA-Linux-x86_64-535.230.02-vgpu-kvm.run")]
    [InlineData("https://x.example/NVIDIA-Linux-x86_64-535.230.02-vgpu-kvm-patched.run", null, "NVIDIA-Linux-x86_64-535.230.02-vgpu-kvm-patched.run")]
    public void RemoteFileNameIsAlwaysPlain(string url, string? source, string expected)
    {
        var config = new HostDriverConfig { InstallerUrl = url, InstallerSource = source, Version = "535.230.02" };

        Assert.Equal(expected, HostDriverPlanner.RemoteFileName(config, "535.230.02"));
    }

    [Fact]
    public void PatchedFileNameMeansUnlockFlavour()
    {
        var facts = NodeFactsParser.Parse("pve1", ProbeSamples.FreshNode());

        Assert.Equal(DriverFlavour.Unlock, HostDriverPlanner.FlavourOf("NVIDIA-Linux-x86_64-535.129.03-vgpu-kvm-patched.run", facts));
        Assert.Equal(DriverFlavour.Stock, HostDriverPlanner.FlavourOf("NVIDIA-Linux-x86_64-535.129.03-vgpu-kvm.run", facts));
    }

    private static Value Config(params (string Name, Value Value)[] set)
    {
        var v = Value.Object(HostDriverSchema.Definition.Attributes.Select(a => new KeyValuePair<string, Value>(a.Name, Value.Null)));
        return set.Aggregate(v, (acc, s) => acc.With(s.Name, s.Value));
    }

    [Fact]
    public void ValidateRejectsMissingShaConflictsAndHostileVersion()
    {
        var resource = new HostDriverResource();

        var noSha = resource.Validate(Config(("installer_url", Value.String("https://x.example/NVIDIA-Linux-x86_64-535.129.03-vgpu-kvm.run")))).ToList();
        var both = resource.Validate(Config(("installer_url", Value.String("https://x/a.run")), ("installer_sha256", Value.String(Sha)), ("installer_source", Value.String("/tmp/a.run")))).ToList();
        var hostile = resource.Validate(Config(("installer_source", Value.String("/tmp/a.run")), ("version", Value.String("535.129.03; reboot")))).ToList();
        var badUrl = resource.Validate(Config(("installer_url", Value.String("file:///etc/shadow")), ("installer_sha256", Value.String(Sha)), ("version", Value.String("535.129.03")))).ToList();
        var none = resource.Validate(Config()).ToList();

        Assert.Contains(noSha, d => d.Path!.ToString() == "installer_sha256");
        Assert.Contains(both, d => d.Path!.ToString() == "installer_source");
        Assert.Contains(hostile, d => d.Path!.ToString() == "version");
        Assert.Contains(badUrl, d => d.Path!.ToString() == "installer_url");
        Assert.Contains(none, d => d.Path!.ToString() == "installer_url");
    }
}
