using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.ProfileOverride;
using VgpuIac.Engine.Values;
using static VgpuIac.Engine.Tests.ProfileOverride.OverrideConfig;

namespace VgpuIac.Engine.Tests.ProfileOverride;

public sealed class ProfileOverridePlannerTests
{
    [Fact]
    public void Exactly_one_target_is_required()
    {
        var none = ProfileOverridePlanner.Validate(Of(Num("num_displays", 1))).ToList();
        Assert.Contains(none, d => d.IsError && d.Summary == "Unable to choose the override section");

        var two = ProfileOverridePlanner.Validate(Of(Str("mdev_type", "nvidia-46"), Num("vmid", 104))).ToList();
        var error = Assert.Single(two, d => d.IsError);
        Assert.Equal(AttributePath.Of("vmid"), error.Path);

        Assert.DoesNotContain(ProfileOverridePlanner.Validate(Of(Str("mdev_type", "nvidia-46"))), d => d.IsError);
    }

    [Theory]
    [InlineData("mdev_type", "46")]
    [InlineData("mdev_type", "nvidia-46; reboot")]
    [InlineData("mdev_uuid", "00000000-0000-0000-0000-00000000010G")]
    [InlineData("mdev_uuid", "ABCDEF00-0000-0000-0000-000000000104")]
    public void Malformed_targets_are_rejected_at_their_path(string attribute, string value)
    {
        var errors = ProfileOverridePlanner.Validate(Of(Str(attribute, value))).Where(d => d.IsError).ToList();
        Assert.Contains(errors, d => Equals(d.Path, AttributePath.Of(attribute)));
    }

    [Fact]
    public void Frl_enabled_60_is_an_error_that_explains_frl_config()
    {
        var errors = ProfileOverridePlanner.Validate(Of(Str("mdev_type", "nvidia-18"), Num("frl_enabled", 60))).Where(d => d.IsError).ToList();
        var error = Assert.Single(errors);
        Assert.Equal(AttributePath.Of("frl_enabled"), error.Path);
        Assert.Contains("frl_config", error.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cuda_enabled", 2)]
    [InlineData("num_displays", -1)]
    [InlineData("display_width", 1.5)]
    [InlineData("max_instances", 4294967296)]
    public void Numbers_outside_what_vgpu_unlock_reads_are_errors(string key, decimal value) =>
        Assert.Contains(ProfileOverridePlanner.Validate(Of(Str("mdev_type", "nvidia-46"), Num(key, value))), d => d.IsError && Equals(d.Path, AttributePath.Of(key)));

    [Fact]
    public void Bad_sizes_and_long_names_are_errors()
    {
        var diagnostics = ProfileOverridePlanner.Validate(Of(Str("mdev_type", "nvidia-46"), Str("framebuffer", "1 gigabyte"), Str("adapter_name", new string('x', 64)))).ToList();
        Assert.Contains(diagnostics, d => d.IsError && Equals(d.Path, AttributePath.Of("framebuffer")));
        Assert.Contains(diagnostics, d => d.IsError && Equals(d.Path, AttributePath.Of("adapter_name")));
    }

    [Fact]
    public void Framebuffer_below_one_gib_warns_about_nvenc_and_the_tutorial_pair_does_not()
    {
        var small = ProfileOverridePlanner.Warnings(Of(Str("mdev_type", "nvidia-46"), Str("framebuffer", "384MiB"), Str("framebuffer_reservation", "128MiB"))).ToList();
        Assert.Contains(small, d => !d.IsError && d.Summary.Contains("NVENC", StringComparison.Ordinal));

        var tutorial = ProfileOverridePlanner.Warnings(Of(Str("mdev_type", "nvidia-46"), Str("framebuffer", "896MiB"), Str("framebuffer_reservation", "128MiB"))).ToList();
        Assert.Empty(tutorial);

        var config = Of(Str("mdev_type", "nvidia-46"), Str("framebuffer", "0x38000000"));
        var alone = ProfileOverridePlanner.Warnings(config).ToList();
        Assert.Single(alone, d => !d.IsError && d.Summary.Contains("framebuffer_reservation", StringComparison.Ordinal));

        // validation (which a door may run more than once per command) carries no warning: the plan adds each one once
        Assert.Empty(ProfileOverridePlanner.Validate(config));
        Assert.DoesNotContain(alone, d => d.Summary.Contains("NVENC", StringComparison.Ordinal));
    }

    [Fact]
    public void Plan_derives_max_pixels_bytes_section_and_id()
    {
        var config = Of(Str("mdev_type", "nvidia-46"), Num("display_width", 1920), Num("display_height", 1080), Str("framebuffer", "896MiB"));
        var plan = ProfileOverridePlanner.Plan(config, prior: null, "pve1", resolvedMdevType: null);
        var planned = plan.Planned!;
        Assert.Equal(Value.Number(2073600), planned["max_pixels"]);
        Assert.Equal(Value.Number(939524096), planned["framebuffer_bytes"]);
        Assert.Equal(Value.Null, planned["framebuffer_reservation_bytes"]);
        Assert.Equal(Value.String("profile.nvidia-46"), planned["section"]);
        Assert.Equal(Value.String("pve1/profile.nvidia-46"), planned["id"]);
        Assert.Equal(Value.String("pve1"), planned["node"]);
        Assert.True(planned["restart_required_vms"].IsUnknown);

        var entries = ProfileOverrideSpec.FromValue(planned).DesiredEntries()!.Value;
        Assert.Equal(["display_width", "display_height", "max_pixels", "framebuffer"], entries.Select(e => e.Key));
        Assert.Equal("0x38000000", entries[3].Value.Source);
    }

    [Fact]
    public void Plan_resolves_a_type_name_or_leaves_it_unknown()
    {
        var config = Of(Str("mdev_type_name", "GRID P40-1Q"), Num("num_displays", 1));
        Assert.Equal(Value.String("nvidia-46"), ProfileOverridePlanner.Plan(config, null, "pve1", "nvidia-46").Planned!["mdev_type"]);
        var unresolved = ProfileOverridePlanner.Plan(config, null, "pve1", null).Planned!;
        Assert.True(unresolved["mdev_type"].IsUnknown);
        Assert.True(unresolved["id"].IsUnknown);
    }

    [Fact]
    public void Plan_against_equal_state_changes_nothing_and_a_new_target_forces_replacement()
    {
        var config = Of(Num("vmid", 104), Num("num_displays", 1), Str("framebuffer", "1GiB"), Str("framebuffer_reservation", "0xC000000"));
        var first = ProfileOverridePlanner.Plan(config, null, "pve1", null).Planned!;
        var state = ProfileOverrideState.FromEntries(
            "pve1",
            OverrideSection.ForVm(104),
            ProfileOverrideSpec.FromValue(first).DesiredEntries()!.Value,
            first,
            [104]).ToValue();

        var again = ProfileOverridePlanner.Plan(config, state, "pve1", null);
        Assert.Equal(state, again.Planned);
        Assert.Empty(again.RequiresReplace);

        var moved = ProfileOverridePlanner.Plan(config.With("vmid", Value.Number(105)), state, "pve1", null);
        Assert.Contains(AttributePath.Of("vmid"), moved.RequiresReplace);
    }

    [Fact]
    public void State_read_from_a_hand_written_section_shows_every_drift()
    {
        var text = "[profile.nvidia-18]\nnum_displays = 1\nframebuffer = 5905580032\nfrl_enabled = 60\ncuda_enabled = true\nfrl_enable = 0\n";
        var document = ProfileOverrideDocument.Parse(text, out _)!;
        var section = OverrideSection.ForType("nvidia-18");
        var state = ProfileOverrideState.FromEntries("pve1", section, document.Find(section).Entries, null, []).ToValue();

        Assert.Equal(Value.Number(60), state["frl_enabled"]);
        Assert.Equal(Value.String("5905580032"), state["framebuffer"]);
        Assert.Equal(Value.Number(5905580032), state["framebuffer_bytes"]);
        Assert.Equal(Value.Null, state["cuda_enabled"]);
        Assert.Equal(Value.FromStrings(["cuda_enabled", "frl_enable"]), state["unmanaged_keys"]);

        var config = Of(Str("mdev_type", "nvidia-18"), Num("num_displays", 1), Str("framebuffer", "5.5GiB"), Num("frl_enabled", 0), Num("cuda_enabled", 1));
        var planned = ProfileOverridePlanner.Plan(config, state, "pve1", null).Planned!;
        Assert.NotEqual(state, planned);
        Assert.Equal(Value.List(), planned["unmanaged_keys"]);
        Assert.True(planned["restart_required_vms"].IsUnknown);
    }

    [Fact]
    public void Taking_over_a_hand_written_section_warns_with_every_key_that_changes_is_added_or_vanishes()
    {
        var document = ProfileOverrideDocument.Parse("[profile.nvidia-46]\nnum_displays = 1\ncuda_enabled = 1\nframebuffer = 0x38000000\n", out _)!;
        var section = OverrideSection.ForType("nvidia-46");
        var spec = ProfileOverrideSpec.FromValue(ProfileOverridePlanner.Plan(
            Of(Str("mdev_type", "nvidia-46"), Num("num_displays", 2), Str("framebuffer", "896MiB"), Num("frl_enabled", 0)), null, "pve1", null).Planned!);
        var warning = ProfileOverridePlanner.AdoptionWarning("pve1", section, document.Find(section), spec.DesiredEntries()!.Value);
        Assert.False(warning.IsError);
        Assert.Contains("already has [profile.nvidia-46] (line 1)", warning.Detail, StringComparison.Ordinal);
        Assert.Contains("changes num_displays 1 -> 2", warning.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("framebuffer 0x38000000", warning.Detail, StringComparison.Ordinal); // 896MiB is the same size
        Assert.Contains("adds frl_enabled = 0", warning.Detail, StringComparison.Ordinal);
        Assert.Contains("REMOVES cuda_enabled = 1", warning.Detail, StringComparison.Ordinal);
        Assert.Contains("adopted_section", warning.Detail, StringComparison.Ordinal);
    }
}
