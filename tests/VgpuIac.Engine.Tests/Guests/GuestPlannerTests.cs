using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Guests;
using VgpuIac.Engine.Host;
using VgpuIac.Engine.Parsing.Pve;
using VgpuIac.Engine.Resources;
using VgpuIac.Engine.Values;
using D = VgpuIac.Engine.Guests.GuestDefinition;

namespace VgpuIac.Engine.Tests.Guests;

/// <summary>
/// The pure planner of vgpu_guest, without a node: qm set gets only the options that differ (net0 always with the MAC it
/// had), GPU addresses written with or without the domain are one device, what a create finds at its vmid, the state
/// read from a hand-made VM, and the commands built from a diff.
/// </summary>
public sealed class GuestPlannerTests
{
    /// <summary>A VM as `qm create ... --tags vgpuiac` leaves it on PVE.</summary>
    private const string OurVm = """
        agent: enabled=1
        bios: ovmf
        cores: 4
        cpu: host
        efidisk0: local-lvm:vm-200-disk-0,efitype=4m,pre-enrolled-keys=0,size=4M
        hostpci0: 0000:01:00.0,mdev=nvidia-46,pcie=1
        machine: q35
        memory: 4096
        meta: creation-qemu=8.1.5,ctime=1733400000
        name: vgpu-ubuntu
        net0: virtio=BC:24:11:5E:0A:7C,bridge=vmbr0,firewall=1
        ostype: l26
        scsi0: local-lvm:vm-200-disk-1,iothread=1,size=32G
        scsihw: virtio-scsi-single
        smbios1: uuid=6c4d3b1e-2f0a-4c38-9d0e-5b7f5a0c1d2e
        tags: vgpuiac
        vmgenid: 0b4b8a52-8a4e-4a36-9a4e-51f7a3b0e0a1
        """;

    /// <summary>The tutorial's VM: qm create + qm set --hostpci0 01:00.0,mdev=nvidia-46 (short address, no tag).</summary>
    private const string TutorialVm = """
        agent: 1
        bios: ovmf
        cores: 4
        cpu: host
        hostpci0: 01:00.0,mdev=nvidia-46,pcie=1
        machine: q35
        memory: 4096
        name: vgpu-ubuntu
        net0: virtio=BC:24:11:5E:0A:7C,bridge=vmbr0
        ostype: l26
        scsi0: local-lvm:vm-200-disk-1,iothread=1,size=32G
        smbios1: uuid=6c4d3b1e-2f0a-4c38-9d0e-5b7f5a0c1d2e
        tags: lab
        """;

    private static QmConfig Config(string text) => QmConfigParser.Parse(text).Value;

    private static Value Wanted(params (string Name, Value Value)[] overrides)
    {
        var v = Value.Object(
            (D.Node, Value.String("pve1")), (D.Vmid, Value.Number(200)), (D.Name, Value.String("vgpu-ubuntu")), (D.Cores, Value.Number(4)),
            (D.MemoryMb, Value.Number(4096)), (D.MdevType, Value.String("nvidia-46")), (D.Gpu, Value.String("0000:01:00.0")));
        foreach (var (name, value) in overrides)
        {
            v = v.With(name, value);
        }

        return v;
    }

    private static GuestSpec Spec(params (string Name, Value Value)[] overrides) => GuestSpec.From(Wanted(overrides));

    [Fact]
    public void A_VM_that_matches_its_spec_needs_no_command()
    {
        var changes = GuestPlanner.ConfigChanges(Config(OurVm), Spec(), "0000:01:00.0");
        Assert.True(changes.IsEmpty, changes.ToString());
        Assert.False(changes.VgpuChanged);
    }

    [Fact]
    public void Changing_cores_sends_only_cores_and_never_the_nic()
    {
        var changes = GuestPlanner.ConfigChanges(Config(OurVm), Spec((D.Cores, Value.Number(2))), "0000:01:00.0");
        Assert.Equal([KeyValuePair.Create("cores", "2")], changes.Set.ToArray());
        Assert.Empty(changes.Delete);
        Assert.False(changes.VgpuChanged);
        var command = GuestCommands.Set(Spec((D.Cores, Value.Number(2))), changes);
        Assert.Equal(["set", "200", "--cores", "2"], command.Arguments.ToArray());
        Assert.True(command.Mutating);
    }

    [Fact]
    public void A_new_bridge_keeps_the_mac_and_the_other_nic_options()
    {
        var changes = GuestPlanner.ConfigChanges(Config(OurVm), Spec((D.Bridge, Value.String("vmbr1"))), "0000:01:00.0");
        Assert.Equal("virtio=BC:24:11:5E:0A:7C,bridge=vmbr1,firewall=1", changes.ValueOf("net0"));
        Assert.Single(changes.Set);
    }

    [Fact]
    public void The_mac_is_sent_only_when_the_user_sets_another_one_and_case_is_no_change()
    {
        Assert.True(GuestPlanner.ConfigChanges(Config(OurVm), Spec((D.MacAddress, Value.String("bc:24:11:5e:0a:7c"))), "0000:01:00.0").IsEmpty);
        var changes = GuestPlanner.ConfigChanges(Config(OurVm), Spec((D.MacAddress, Value.String("BC:24:11:00:00:01"))), "0000:01:00.0");
        Assert.Equal("virtio=BC:24:11:00:00:01,bridge=vmbr0,firewall=1", changes.ValueOf("net0"));
    }

    [Fact]
    public void A_create_sends_a_mac_only_when_one_is_set_and_always_the_tag()
    {
        var plain = GuestCommands.Create(Spec(), "0000:01:00.0").Arguments;
        Assert.Equal("virtio,bridge=vmbr0", plain[plain.IndexOf("--net0") + 1]);
        Assert.Equal("vgpuiac", plain[plain.IndexOf("--tags") + 1]);
        Assert.Equal("0000:01:00.0,mdev=nvidia-46,pcie=1", plain[plain.IndexOf("--hostpci0") + 1]);
        var withMac = GuestCommands.Create(Spec((D.MacAddress, Value.String("BC:24:11:00:00:01"))), "0000:01:00.0").Arguments;
        Assert.Equal("virtio=BC:24:11:00:00:01,bridge=vmbr0", withMac[withMac.IndexOf("--net0") + 1]);
    }

    [Theory]
    [InlineData("01:00.0", "0000:01:00.0", true)]
    [InlineData("0000:01:00.0", "01:00.0", true)]
    [InlineData("0000:01:00.0", "0000:01:00.0", true)]
    [InlineData("0000:0A:00.0", "0a:00.0", true)]
    [InlineData("01:00.0", "02:00.0", false)]
    [InlineData("0001:01:00.0", "01:00.0", false)]
    public void Gpu_addresses_with_or_without_the_domain_are_one_device(string a, string b, bool same)
    {
        Assert.Equal(same, GpuAddress.Same(a, b));
        Assert.Equal("0000:01:00.0", GpuAddress.Normalize("01:00.0"));
    }

    [Fact]
    public void The_tutorials_short_hostpci_address_is_the_configured_gpu_and_nothing_is_sent()
    {
        var changes = GuestPlanner.ConfigChanges(Config(TutorialVm), Spec(), "0000:01:00.0");
        Assert.True(changes.IsEmpty, changes.ToString());
        Assert.True(GuestPlanner.HostPciMatches(Config(TutorialVm), Spec(), "01:00.0"));
    }

    [Fact]
    public void A_hand_made_vm_gets_the_tag_only_with_a_change_that_is_sent_anyway_and_keeps_its_own_tags()
    {
        var changes = GuestPlanner.ConfigChanges(Config(TutorialVm), Spec((D.MemoryMb, Value.Number(8192))), "0000:01:00.0");
        Assert.Equal("8192", changes.ValueOf("memory"));
        Assert.Equal("lab;vgpuiac", changes.ValueOf("tags"));
        Assert.Null(changes.ValueOf("net0"));
    }

    [Fact]
    public void Another_vgpu_type_changes_hostpci0_and_needs_a_stop()
    {
        var changes = GuestPlanner.ConfigChanges(Config(OurVm), Spec((D.MdevType, Value.String("nvidia-47"))), "0000:01:00.0");
        Assert.True(changes.VgpuChanged);
        Assert.Equal("0000:01:00.0,mdev=nvidia-47,pcie=1", changes.ValueOf("hostpci0"));
        Assert.Single(changes.Set);
    }

    [Fact]
    public void An_iso_removed_from_the_configuration_deletes_the_cdrom()
    {
        var changes = GuestPlanner.ConfigChanges(Config(OurVm + "\nide2: local:iso/ubuntu.iso,media=cdrom"), Spec(), "0000:01:00.0");
        Assert.Equal(["ide2"], changes.Delete.ToArray());
        Assert.Equal(["set", "200", "--delete", "ide2"], GuestCommands.Set(Spec(), changes).Arguments.ToArray());
    }

    [Fact]
    public void The_vgpu_changes_only_when_it_means_another_device_or_type()
    {
        var prior = Wanted((D.Gpu, Value.String("0000:01:00.0")), (D.Pcie, Value.True), (D.Rombar, Value.True));
        Assert.Empty(GuestPlanner.VgpuChanges(prior, prior.With(D.Gpu, Value.String("01:00.0"))));
        Assert.Equal([D.MdevType], GuestPlanner.VgpuChanges(prior, prior.With(D.MdevType, Value.String("nvidia-47"))).ToArray());
        Assert.Equal([D.MdevType], GuestPlanner.VgpuChanges(prior, prior.With(D.MdevType, Value.Unknown)).ToArray());
        Assert.Equal([D.Gpu], GuestPlanner.VgpuChanges(prior, prior.With(D.Gpu, Value.String("0000:02:00.0"))).ToArray());
        var detail = GuestPlanner.RestartDetail(prior.With(D.Status, Value.String("running")), prior.With(D.MdevType, Value.String("nvidia-47")), [D.MdevType]);
        Assert.Contains("VM 200 (\"vgpu-ubuntu\") on node \"pve1\"", detail, StringComparison.Ordinal);
        Assert.Contains("mdev_type nvidia-46 → nvidia-47", detail, StringComparison.Ordinal);
        Assert.Contains("qm stop", detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_create_tells_our_vm_the_one_it_replaces_and_a_strangers()
    {
        GuestNodeState Vm(string config) => GuestNodeState.Parse($"### config\n{config}\n### status\nstatus: stopped\n### end\n");
        Assert.Equal(ExistingVm.None, GuestPlanner.Classify(GuestNodeState.Parse("### config\n### absent\n"), null, "pve1/200"));
        Assert.Equal(ExistingVm.Ours, GuestPlanner.Classify(Vm(OurVm), null, "pve1/200"));
        Assert.Equal(ExistingVm.Stranger, GuestPlanner.Classify(Vm(TutorialVm), null, "pve1/200"));
        Assert.Equal(ExistingVm.BeingReplaced, GuestPlanner.Classify(Vm(TutorialVm), "pve1/200", "pve1/200"));
        Assert.Equal(ExistingVm.Stranger, GuestPlanner.Classify(Vm(TutorialVm), "pve1/201", "pve1/200"));
        Assert.Equal(ExistingVm.Ours, GuestPlanner.Classify(Vm(OurVm.Replace("tags: vgpuiac", "tags: lab;vgpuiac", StringComparison.Ordinal)), null, "pve1/200"));
    }

    [Fact]
    public void A_vm_with_our_tag_is_finished_only_when_a_create_left_it_unfinished()
    {
        GuestNodeState Vm(string config) => GuestNodeState.Parse($"### config\n{config}\n### status\nstatus: stopped\n### end\n");
        Assert.Equal(ExistingVm.Ours, GuestPlanner.Classify(Vm(OurVm), null, "pve1/200", CreationStatus.Abandoned));
        Assert.Equal(ExistingVm.BeingCreated, GuestPlanner.Classify(Vm(OurVm), null, "pve1/200", CreationStatus.InProgress));
        Assert.Equal(ExistingVm.OtherState, GuestPlanner.Classify(Vm(OurVm), null, "pve1/200", CreationStatus.None));

        // the claim never makes a stranger's VM ours, and the VM being replaced is planned as a create whatever the claim says
        Assert.Equal(ExistingVm.Stranger, GuestPlanner.Classify(Vm(TutorialVm), null, "pve1/200", CreationStatus.Abandoned));
        Assert.Equal(ExistingVm.BeingReplaced, GuestPlanner.Classify(Vm(OurVm), "pve1/200", "pve1/200", CreationStatus.None));
    }

    [Fact]
    public void A_clone_gets_the_create_only_options_and_its_disks_are_read_in_pve_units()
    {
        // a seabios Linux template cloned as the default OVMF guest: bios and an EFI disk on the spec's storage, nothing for ostype
        var template = "cores: 1\nmemory: 1024\nname: template\nscsi0: local-lvm:vm-9000-disk-0,size=8G\n";
        var changes = GuestPlanner.ConfigChanges(Config(template), Spec((D.Storage, Value.String("local-zfs"))), "0000:01:00.0", addTag: true, creating: true);
        var set = changes.Set.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        Assert.Equal("ovmf", set["bios"]);
        Assert.Equal("local-zfs:1,efitype=4m,pre-enrolled-keys=0", set["efidisk0"]);
        Assert.False(set.ContainsKey("ostype"));
        Assert.Equal("vgpuiac", set["tags"]);

        // a Windows guest from a Linux template: ostype and a TPM; an update (not creating) never sends these
        var windows = GuestPlanner.ConfigChanges(Config(OurVm), Spec((D.Os, Value.String("windows"))), "0000:01:00.0", creating: true).Set.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        Assert.Equal("win11", windows["ostype"]);
        Assert.Equal("local-lvm:1,version=v2.0", windows["tpmstate0"]);
        Assert.DoesNotContain(GuestPlanner.ConfigChanges(Config(template), Spec(), "0000:01:00.0").Set, kv => kv.Key is "bios" or "efidisk0" or "ostype");

        Assert.Equal(8L << 30, GuestPlanner.DiskBytes("local-lvm:vm-200-disk-1,size=8G"));
        Assert.Equal(4L << 20, GuestPlanner.DiskBytes("local-lvm:vm-200-disk-0,efitype=4m,size=4M"));
        Assert.Null(GuestPlanner.DiskBytes("local:iso/x.iso,media=cdrom"));
        Assert.Equal("local-zfs", GuestPlanner.DiskStorage("local-zfs:vm-200-disk-1,size=40G"));
        Assert.Equal("local-lvm", GuestPlanner.DiskStorage("local-lvm:base-9000-disk-0/vm-200-disk-1,size=8G"));

        var spec = Spec((D.Storage, Value.String("local-zfs")), (D.DiskSizeGb, Value.Number(40)));
        Assert.Equal("qm clone 9000 200 --name vgpu-ubuntu --full 1 --storage local-zfs", GuestCommands.Clone(spec, 9000).Render());
        Assert.Equal("qm resize 200 scsi0 40G", GuestCommands.Resize(spec, "scsi0").Render());
        Assert.Equal("qm disk move 200 scsi0 local-zfs --delete 1", GuestCommands.MoveDisk(spec, "scsi0").Render());
        Assert.True(GuestCommands.Resize(spec, "scsi0").Mutating && GuestCommands.MoveDisk(spec, "scsi0").Mutating);
    }

    [Fact]
    public void The_state_of_a_hand_made_vm_reads_gpu_and_mac_back_and_keeps_the_configured_forms()
    {
        var node = GuestNodeState.Parse($"### config\n{TutorialVm}\n### status\nstatus: running\n### end\n");
        var seed = Value.Object((D.Node, Value.String("pve1")), (D.Vmid, Value.Number(200)));
        var imported = GuestState.ToValue(node, seed);
        Assert.Equal("0000:01:00.0", imported[D.Gpu].AsString());
        Assert.Equal("BC:24:11:5E:0A:7C", imported[D.MacAddress].AsString());
        Assert.Equal("nvidia-46", imported[D.MdevType].AsString());
        Assert.True(imported[D.Agent].AsBool());
        Assert.Equal(32, imported[D.DiskSizeGb].AsInt64());
        Assert.Equal("running", imported[D.Status].AsString());

        var written = GuestState.ToValue(node, seed.With(D.Gpu, Value.String("01:00.0")).With(D.MacAddress, Value.String("bc:24:11:5e:0a:7c")));
        Assert.Equal("01:00.0", written[D.Gpu].AsString());
        Assert.Equal("bc:24:11:5e:0a:7c", written[D.MacAddress].AsString());
    }

    [Fact]
    public void A_failing_mdevctl_is_reported_with_what_it_said_not_as_a_missing_driver()
    {
        var facts = new NodeFacts { NodeName = "pve1", RunningKernel = "6.8.12-4-pve", MdevTypesError = "exit code 1: Error: device busy" };
        var diagnostics = new DiagnosticBag();
        Assert.Null(GuestPlacement.Select(facts, Spec(), null, diagnostics, Severity.Warning));
        var d = Assert.Single(diagnostics);
        Assert.False(d.IsError);
        Assert.Equal("Unable to list the vGPU types", d.Summary);
        Assert.Contains("mdevctl types --dumpjson", d.Detail, StringComparison.Ordinal);
        Assert.Contains("device busy", d.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("Install the host driver", d.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void The_advice_to_depend_on_the_host_driver_is_given_only_when_host_driver_version_is_not_set()
    {
        var facts = new NodeFacts { NodeName = "pve1", RunningKernel = "6.8.12-4-pve" };
        var unset = GuestPlacement.NoTypesYet(facts, Spec(), hostDriverSet: false);
        Assert.Contains("depend on vgpu_host_driver", unset!.Detail, StringComparison.Ordinal);
        Assert.False(unset.IsError);
        var set = GuestPlacement.NoTypesYet(facts, Spec(), hostDriverSet: true);
        Assert.DoesNotContain("depend on", set!.Detail, StringComparison.Ordinal);
        Assert.Null(GuestPlacement.NoTypesYet(facts with { MdevTypesError = "exit code 1: busy" }, Spec(), hostDriverSet: false));
    }

    [Theory]
    [InlineData("not a key", "no \"-----BEGIN")]
    [InlineData("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU=\n", "END OPENSSH PRIVATE KEY")]
    [InlineData("-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blb!!!nNzaC1rZXktdjEAAAAABG5vbmU=\n-----END OPENSSH PRIVATE KEY-----\n", "not base64")]
    [InlineData("-----BEGIN OPENSSH PRIVATE KEY-----\naGVsbG8gd29ybGQ=\n-----END OPENSSH PRIVATE KEY-----\n", "openssh-key-v1")]
    public void A_corrupt_inline_key_gets_a_message_that_says_what_is_wrong(string key, string problem)
    {
        var config = Wanted((D.GuestSshHost, Value.String("10.0.0.5")), (D.GuestSshHostKeySha256, Value.String("SHA256:" + new string('A', 43))),
            (D.GuestSshPrivateKey, Value.String(key).AsSensitive()));
        var d = Assert.Single(GuestValidation.Run(config), x => x.Summary == "Invalid guest SSH private key");
        Assert.Contains(problem, d.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("FormatException", d.Detail, StringComparison.Ordinal);
        Assert.Equal(D.GuestSshPrivateKey, d.Path!.ToString());
        Assert.Null(GuestValidation.KeyProblem("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU=\n-----END OPENSSH PRIVATE KEY-----\n"));
    }
}
