using System.Collections.Immutable;
using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Host;
using VgpuIac.Engine.Unlock;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.Tests.Unlock;

public sealed class UnlockPlannerTests
{
    private const string Sha = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private const string Lib = UnlockDefinition.DefaultLibraryPath;

    private static Value Config(params (string Name, Value Value)[] set)
    {
        var fields = UnlockDefinition.Definition.Attributes.ToDictionary(a => a.Name, _ => Value.Null, StringComparer.Ordinal);
        foreach (var (name, value) in set)
        {
            fields[name] = value;
        }

        return Value.Object(fields);
    }

    private static UnlockSpec Spec => new() { LibraryUrl = "https://example.invalid/lib.so", LibrarySha256 = Sha };

    private static UnlockNodeFacts Done(params string[] units) => new()
    {
        LibrarySha256 = Sha,
        ExistingUnits = [.. units],
        Environments = units.ToImmutableSortedDictionary(u => u, _ => "LD_PRELOAD=" + Lib, StringComparer.Ordinal),
        DropIns = units.ToImmutableSortedDictionary(u => u, _ => UnlockPlanner.DropInContent(Lib), StringComparer.Ordinal),
        ConfigToml = "unlock = true\nunlock_migration = false\n",
        Gpus = [UnlockGpu.Of("0000:01:00.0", "0x1b80")],
    };

    [Fact]
    public void A_node_that_has_everything_needs_no_step()
    {
        Assert.Empty(UnlockPlanner.Steps(Spec, Done("nvidia-vgpud.service", "nvidia-vgpu-mgr.service")));
        Assert.True(UnlockPlanner.Effective(Done("nvidia-vgpu-mgr.service"), Lib));
    }

    [Fact]
    public void A_fresh_node_with_both_services_gets_every_step_in_order()
    {
        var facts = new UnlockNodeFacts { ExistingUnits = ["nvidia-vgpud.service", "nvidia-vgpu-mgr.service"] };
        Assert.Equal(
            ["InstallLibrary", "WriteConfig", "WriteDropIn nvidia-vgpud.service", "WriteDropIn nvidia-vgpu-mgr.service", "DaemonReload", "RestartServices"],
            UnlockPlanner.Steps(Spec, facts).Select(s => s.ToString()));
    }

    [Fact]
    public void Only_existing_services_get_a_drop_in_and_both_do_before_the_driver_is_installed()
    {
        var newerDriver = new UnlockNodeFacts { ExistingUnits = ["nvidia-vgpu-mgr.service"] };
        Assert.Equal(["nvidia-vgpu-mgr.service"], UnlockPlanner.TargetUnits(newerDriver).ToArray());
        var noDriver = new UnlockNodeFacts();
        Assert.Equal(UnlockDefinition.Units, UnlockPlanner.TargetUnits(noDriver).ToArray());
        Assert.DoesNotContain(UnlockPlanner.Steps(Spec, noDriver), s => s.Kind == UnlockStepKind.RestartServices);
    }

    [Fact]
    public void Missing_daemon_reload_is_drift_that_reloads_and_restarts_without_rewriting()
    {
        var facts = Done("nvidia-vgpu-mgr.service") with { Environments = ImmutableSortedDictionary<string, string>.Empty.Add("nvidia-vgpu-mgr.service", "") };
        Assert.False(UnlockPlanner.Effective(facts, Lib));
        Assert.Equal([UnlockStepKind.DaemonReload, UnlockStepKind.RestartServices], UnlockPlanner.Steps(Spec, facts).Select(s => s.Kind));
    }

    [Fact]
    public void Changed_library_edited_drop_in_and_config_are_each_repaired()
    {
        var facts = Done("nvidia-vgpu-mgr.service") with
        {
            LibrarySha256 = new string('f', 64),
            DropIns = ImmutableSortedDictionary<string, string>.Empty.Add("nvidia-vgpu-mgr.service", "[Service]\nEnvironment=LD_PRELOAD=/tmp/other.so\n"),
            ConfigToml = "unlock = false\n",
        };
        Assert.Equal(
            ["InstallLibrary", "WriteConfig", "WriteDropIn nvidia-vgpu-mgr.service", "DaemonReload", "RestartServices"],
            UnlockPlanner.Steps(Spec, facts).Select(s => s.ToString()));
    }

    [Theory]
    [InlineData("2204", "GeForce RTX 3090")]
    [InlineData("2684", "GeForce RTX 4090")]
    public void Ampere_and_newer_geforce_is_refused_with_what_to_do(string device, string name)
    {
        var error = Assert.Single(UnlockPlanner.CheckGpus([UnlockGpu.Of("0000:01:00.0", device)], unlock: true), d => d.IsError);
        Assert.Contains(name, error.Detail, StringComparison.Ordinal);
        Assert.Contains("0000:01:00.0", error.Detail, StringComparison.Ordinal);
        Assert.Contains("vGPU-capable card", error.Detail, StringComparison.Ordinal);
        Assert.Equal(AttributePath.Of("unlock"), error.Path);
    }

    [Fact]
    public void Native_and_sriov_cards_get_warnings_or_an_error_and_pascal_geforce_passes()
    {
        Assert.Empty(UnlockPlanner.CheckGpus([UnlockGpu.Of("0000:01:00.0", "1b80")], unlock: true));
        var native = Assert.Single(UnlockPlanner.CheckGpus([UnlockGpu.Of("0000:01:00.0", "1b38")], unlock: true));
        Assert.False(native.IsError);
        Assert.Contains("unlock = false", native.Detail, StringComparison.Ordinal);
        Assert.Contains(UnlockPlanner.CheckGpus([UnlockGpu.Of("0000:01:00.0", "2231")], unlock: true), d => d.IsError && d.Detail.Contains("SR-IOV", StringComparison.Ordinal));
        Assert.DoesNotContain(UnlockPlanner.CheckGpus([UnlockGpu.Of("0000:01:00.0", "2204"), UnlockGpu.Of("0000:02:00.0", "1e04")], unlock: true), d => d.IsError);
        Assert.Equal(VgpuPath.Unlockable, UnlockGpu.Of("0000:02:00.0", "0x1E04").Model.Path);
    }

    [Theory]
    [InlineData("library_path", "/opt/$(reboot)/lib.so")]
    [InlineData("library_path", "relative/lib.so")]
    [InlineData("library_path", "/opt/../etc/lib.so")]
    [InlineData("library_path", "/opt/with space/lib.so")]
    [InlineData("library_url", "file:///etc/shadow")]
    [InlineData("library_url", "https://x/a b")]
    [InlineData("library_sha256", "abc")]
    public void Hostile_or_malformed_values_are_rejected_at_their_path(string attribute, string value)
    {
        var config = Config(("library_url", Value.String("https://example.invalid/lib.so")), ("library_sha256", Value.String(Sha)), (attribute, Value.String(value)));
        Assert.Contains(UnlockPlanner.Validate(config), d => d.IsError && Equals(d.Path, AttributePath.Of(attribute)));
    }

    [Fact]
    public void Exactly_one_library_source_and_a_checksum_for_urls()
    {
        Assert.Contains(UnlockPlanner.Validate(Config()), d => d.IsError);
        Assert.Contains(UnlockPlanner.Validate(Config(("library_url", Value.String("https://e.invalid/x.so")))), d => d.IsError && Equals(d.Path, AttributePath.Of("library_sha256")));
        Assert.Contains(UnlockPlanner.Validate(Config(("library_url", Value.String("https://e.invalid/x.so")), ("library_sha256", Value.String(Sha)), ("library_source", Value.String("/tmp/x.so")))), d => d.IsError);
        Assert.Empty(UnlockPlanner.Validate(Config(("library_source", Value.String("/tmp/x.so")))));
    }

    [Fact]
    public void Plan_keeps_computed_values_when_nothing_changes_and_makes_them_unknown_otherwise()
    {
        var config = Config(("library_url", Value.String("https://e.invalid/x.so")), ("library_sha256", Value.String(Sha)));
        var facts = Done("nvidia-vgpu-mgr.service");
        var first = UnlockPlanner.Plan(config, null, "pve1", new UnlockNodeFacts(), null).Planned!;
        Assert.True(first["effective"].IsUnknown);
        Assert.Equal(Value.String("pve1"), first["id"]);
        Assert.Equal(Value.True, first["unlock"]);

        var state = new UnlockState { Node = "pve1", Source = UnlockSpec.FromValue(first), Facts = facts }.ToValue();
        var again = UnlockPlanner.Plan(config, state, "pve1", facts, null);
        Assert.Equal(state, again.Planned);

        var drifted = UnlockPlanner.Plan(config, state, "pve1", facts with { LibrarySha256 = null }, null).Planned!;
        Assert.True(drifted["installed_library_sha256"].IsUnknown);
    }

    [Fact]
    public void Probe_output_is_parsed()
    {
        var dropIn = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(UnlockPlanner.DropInContent(Lib)));
        var output = $"lib\t{Sha}\nunits\t{Shown(("nvidia-vgpud.service", "not-found", ""), ("nvidia-vgpu-mgr.service", "loaded", $"LD_PRELOAD={Lib}"))}\ndropin\tnvidia-vgpu-mgr.service\t{dropIn}\ngpu\t0000:01:00.0\t0x1b80\nmissing\t/etc/vgpu_unlock\n";
        var facts = UnlockProbe.Parse(output);
        Assert.Equal(Sha, facts.LibrarySha256);
        Assert.Equal(["nvidia-vgpu-mgr.service"], facts.ExistingUnits.ToArray());
        Assert.True(UnlockPlanner.Effective(facts, Lib));
        Assert.Equal(UnlockPlanner.DropInContent(Lib), facts.DropIns["nvidia-vgpu-mgr.service"]);
        Assert.Equal("GeForce GTX 1080", Assert.Single(facts.Gpus).Model.Name);
        Assert.Equal(["/etc/vgpu_unlock"], facts.MissingFolders.ToArray());
        Assert.Null(facts.ConfigToml);
    }

    [Fact]
    public void Import_finds_the_library_the_drop_ins_preload()
    {
        var moved = new UnlockNodeFacts
        {
            DropIns = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [KeyValuePair.Create("nvidia-vgpu-mgr.service", UnlockPlanner.DropInContent("/opt/vgpu-unlock/libvgpu_unlock_rs.so"))]),
        };
        var foreign = new UnlockNodeFacts
        {
            DropIns = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [KeyValuePair.Create("nvidia-vgpud.service", "[Service]\nEnvironment=\"FOO=1\"\n")]),
        };

        Assert.Equal("/opt/vgpu-unlock/libvgpu_unlock_rs.so", UnlockPlanner.PreloadedLibrary(moved));
        Assert.Equal(Lib, UnlockPlanner.PreloadedLibrary(Done("nvidia-vgpu-mgr.service")));
        Assert.Null(UnlockPlanner.PreloadedLibrary(foreign));
        Assert.Null(UnlockPlanner.PreloadedLibrary(new UnlockNodeFacts()));
    }

    /// <summary>Drop-ins as users write them by hand from the tutorial: the same directive with other comments, spacing, quoting.</summary>
    public static TheoryData<string> HandWrittenDropIns => new()
    {
        $"[Service]\nEnvironment=LD_PRELOAD={Lib}\n",
        $"[Service]\nEnvironment=LD_PRELOAD={Lib}",
        $"# vgpu_unlock, from the tutorial\n\n[Service]\n  Environment = LD_PRELOAD={Lib}  \n",
        $"; mine\r\n[Service]\r\nEnvironment=\"LD_PRELOAD={Lib}\"\r\n",
        $"[Service]\n# preload\nEnvironment=LD_PRELOAD={Lib}\n\n# end\n",
    };

    [Theory]
    [MemberData(nameof(HandWrittenDropIns))]
    public void A_hand_written_drop_in_with_the_same_directive_equals_ours_and_nothing_is_written_or_restarted(string dropIn)
    {
        Assert.True(UnlockDropIn.Equivalent(dropIn, Lib));
        var units = new[] { "nvidia-vgpud.service", "nvidia-vgpu-mgr.service" };
        var facts = Done(units) with
        {
            DropIns = units.ToImmutableSortedDictionary(u => u, _ => dropIn, StringComparer.Ordinal),
            ConfigToml = "unlock = true\n", // the tutorial's file: unlock_migration absent means false
        };
        Assert.Empty(UnlockPlanner.Steps(Spec, facts));
        Assert.Empty(UnlockPlanner.RestartReasons(Spec, facts, UnlockPlanner.Steps(Spec, facts)));
        var state = new UnlockState { Node = "pve1", Source = Spec, Facts = facts }.ToValue();
        Assert.Equal(Value.FromStrings(units), state["units"]);
        Assert.Equal(Value.False, state["unlock_migration"]);
    }

    [Theory]
    [InlineData("[Service]\nEnvironment=LD_PRELOAD=/tmp/other.so\n")]
    [InlineData("[Unit]\nEnvironment=LD_PRELOAD=" + Lib + "\n")]
    [InlineData("[Service]\nEnvironment=LD_PRELOAD=" + Lib + " FOO=1\n")]
    [InlineData("[Service]\nEnvironment=LD_PRELOAD=" + Lib + "\nExecStartPre=/bin/true\n")]
    [InlineData("# nothing\n")]
    public void A_drop_in_that_says_something_else_is_not_ours(string dropIn)
    {
        Assert.False(UnlockDropIn.Equivalent(dropIn, Lib));
        var facts = Done("nvidia-vgpu-mgr.service") with { DropIns = ImmutableSortedDictionary<string, string>.Empty.Add("nvidia-vgpu-mgr.service", dropIn) };
        Assert.Contains(UnlockPlanner.Steps(Spec, facts), s => s.Kind == UnlockStepKind.WriteDropIn);
    }

    [Fact]
    public void A_missing_config_toml_is_not_created_for_default_values_alone_but_with_a_first_install()
    {
        var handMade = Done("nvidia-vgpu-mgr.service") with { ConfigToml = null };
        Assert.Empty(UnlockPlanner.Steps(Spec, handMade));
        var migration = UnlockPlanner.Steps(Spec with { UnlockMigration = true }, handMade);
        Assert.Equal([UnlockStepKind.WriteConfig, UnlockStepKind.RestartServices], migration.Select(s => s.Kind));
        var reason = Assert.Single(UnlockPlanner.RestartReasons(Spec with { UnlockMigration = true }, handMade, migration));
        Assert.Contains("unlock_migration false -> true", reason, StringComparison.Ordinal);
        Assert.Contains(UnlockPlanner.Steps(Spec, new UnlockNodeFacts()), s => s.Kind == UnlockStepKind.WriteConfig);
    }

    [Fact]
    public void A_restart_is_a_plan_warning_naming_the_node_the_reason_and_what_stops()
    {
        var warning = Assert.Single(UnlockPlanner.RestartDiagnostics("pve1", ["nvidia-vgpud.service", "nvidia-vgpu-mgr.service"], ["the library is replaced"], [], allowRunningVms: false, "apply"));
        Assert.False(warning.IsError);
        Assert.Contains("vgpu_unlock on node \"pve1\" restarts nvidia-vgpud.service and nvidia-vgpu-mgr.service on apply because the library is replaced", warning.Detail, StringComparison.Ordinal);
        Assert.Contains("No VM is using a vGPU now", warning.Detail, StringComparison.Ordinal);
        Assert.Empty(UnlockPlanner.RestartDiagnostics("pve1", [], ["x"], [], allowRunningVms: false, "apply"));
    }

    [Fact]
    public void Restarting_the_vgpu_manager_under_running_vgpu_vms_is_refused_unless_allowed_and_names_the_vms()
    {
        VmFacts[] running =
        [
            new() { VmId = 101, Name = "ubuntu", Status = "running", HostPci = [new VmHostPci("hostpci0", "01:00.0,mdev=nvidia-46", "nvidia-46")] },
            new() { VmId = 102, Status = "running", HostPci = [new VmHostPci("hostpci0", "01:00.0,mdev=nvidia-46", "nvidia-46")] },
        ];
        var error = Assert.Single(UnlockPlanner.RestartDiagnostics("pve1", ["nvidia-vgpu-mgr.service"], ["a drop-in is added"], running, allowRunningVms: false, "apply"));
        Assert.True(error.IsError);
        Assert.Contains("101 (ubuntu), 102", error.Detail, StringComparison.Ordinal);
        Assert.Contains("restart_with_running_vms = true", error.Detail, StringComparison.Ordinal);
        Assert.Equal(AttributePath.Of("restart_with_running_vms"), error.Path);

        var allowed = Assert.Single(UnlockPlanner.RestartDiagnostics("pve1", ["nvidia-vgpu-mgr.service"], ["a drop-in is added"], running, allowRunningVms: true, "apply"));
        Assert.False(allowed.IsError);
        Assert.Contains("101 (ubuntu), 102", allowed.Detail, StringComparison.Ordinal);

        // only nvidia-vgpud restarts: running VMs keep their vGPUs, a warning is enough
        Assert.DoesNotContain(UnlockPlanner.RestartDiagnostics("pve1", ["nvidia-vgpud.service"], [], running, allowRunningVms: false, "apply"), d => d.IsError);
    }

    [Fact]
    public void Both_services_come_from_one_systemctl_show_in_any_block_order()
    {
        // systemd prints a service's Environment= before its Id=; blocks are matched by Id, not by position
        var facts = UnlockProbe.Parse($"units\t{Shown(("nvidia-vgpu-mgr.service", "loaded", $"LD_PRELOAD={Lib} A=\"b c\""), ("nvidia-vgpud.service", "masked", "X=1"))}\n");
        Assert.Equal(["nvidia-vgpu-mgr.service"], facts.ExistingUnits.ToArray());
        Assert.Equal($"LD_PRELOAD={Lib} A=\"b c\"", facts.Environments["nvidia-vgpu-mgr.service"]);
        Assert.Equal("X=1", facts.Environments["nvidia-vgpud.service"]);

        // blocks without Id are taken in the order asked; no output at all (no systemd) means no service and no environment
        var anonymous = UnlockProbe.Parse($"units\t{B64("LoadState=loaded\nEnvironment=\n\nLoadState=not-found\nEnvironment=\n")}\n");
        Assert.Equal(["nvidia-vgpud.service"], anonymous.ExistingUnits.ToArray());
        var none = UnlockProbe.Parse("units\t\n");
        Assert.Empty(none.ExistingUnits);
        Assert.Equal(["", ""], none.Environments.Values.ToArray());
    }

    /// <summary><c>systemctl show -p Id -p LoadState -p Environment</c> output as the probe passes it on (base64), properties in systemd's order.</summary>
    private static string Shown(params (string Unit, string LoadState, string Environment)[] units) =>
        B64(string.Join("\n", units.Select(u => $"Environment={u.Environment}\nId={u.Unit}\nLoadState={u.LoadState}\n")));

    private static string B64(string text) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(text));

    [Fact]
    public void Unit_names_with_or_without_the_service_suffix_are_the_same_unit()
    {
        var dropIn = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"[Service]\nEnvironment=LD_PRELOAD={Lib}\n"));
        var facts = UnlockProbe.Parse($"lib\t{Sha}\nunits\t{Shown(("nvidia-vgpu-mgr", "loaded", $"LD_PRELOAD={Lib}"))}\ndropin\tnvidia-vgpu-mgr\t{dropIn}\nconfig\t{Convert.ToBase64String("unlock = true\n"u8.ToArray())}\n");
        Assert.Equal(["nvidia-vgpu-mgr.service"], facts.ExistingUnits.ToArray());
        Assert.Empty(UnlockPlanner.Steps(Spec, facts));
        Assert.Equal("nvidia-vgpud.service", UnlockProbe.UnitName(" nvidia-vgpud "));
        Assert.Equal("nvidia-vgpud.service", UnlockProbe.UnitName("nvidia-vgpud.service"));
    }
}
