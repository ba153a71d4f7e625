using VgpuIac.Pulumi.Model;
using VgpuIac.Pulumi.Provider;
using VgpuIac.Pulumi.Rpc;
using VgpuIac.Pulumi.Tests.Support;
using Value = VgpuIac.Engine.Values.Value;

namespace VgpuIac.Pulumi.Tests.Provider;

public sealed class DiffCalculatorTests
{
    private static readonly PulumiDefinition Guest = PulumiDefinition.For(DefinitionOnly.SampleCatalog().Resources.Single(r => r.Definition.Name == "guest").Definition);

    private static Value Inputs(long vmid, string? token = null, string? node = "pve1", string mdev = "nvidia-49") => Value.Object(
        ("node", Value.FromString(node)),
        ("vmid", Value.Number(vmid)),
        ("license_token", token is null ? Value.Null : Value.String(token)),
        ("gpus", Value.List(Value.Object(("mdev_type", Value.String(mdev)), ("slot", Value.Null)))));

    [Fact]
    public void Same_inputs_are_no_change_even_when_one_side_is_a_secret()
    {
        var olds = Inputs(100, "tok");
        var news = Inputs(100, null).With("license_token", Value.String("tok").AsSensitive());
        var changed = DiffCalculator.ChangedInputs(Guest, olds, news, []);
        Assert.Empty(changed);
        var diff = DiffCalculator.Build(Guest, olds, news, changed, [], Guest.Definition.DeleteBeforeReplace);
        Assert.Equal(DiffResponse.Types.DiffChanges.DiffNone, diff.Changes);
        Assert.Empty(diff.Replaces);
        Assert.False(diff.DeleteBeforeReplace);
    }

    [Fact]
    public void An_unset_optional_computed_input_keeps_the_prior_value()
    {
        Assert.Empty(DiffCalculator.ChangedInputs(Guest, Inputs(100), Inputs(100, node: null), []));
    }

    [Fact]
    public void An_in_place_change_is_an_update_with_a_detailed_diff()
    {
        var olds = Inputs(100, "a");
        var news = Inputs(100, "b");
        var diff = DiffCalculator.Build(Guest, olds, news, DiffCalculator.ChangedInputs(Guest, olds, news, []), [], true);
        Assert.Equal(DiffResponse.Types.DiffChanges.DiffSome, diff.Changes);
        Assert.Equal(["licenseToken"], diff.Diffs);
        Assert.Empty(diff.Replaces);
        Assert.Equal(PropertyDiff.Types.Kind.Update, diff.DetailedDiff["licenseToken"].Kind);
        Assert.True(diff.DetailedDiff["licenseToken"].InputDiff);
        Assert.False(diff.DeleteBeforeReplace);
    }

    [Fact]
    public void A_forcing_change_replaces_and_deletes_first_when_the_definition_holds_an_exclusive_slot()
    {
        var olds = Inputs(100);
        var news = Inputs(100, mdev: "nvidia-50");
        var diff = DiffCalculator.Build(Guest, olds, news, DiffCalculator.ChangedInputs(Guest, olds, news, []), [], Guest.Definition.DeleteBeforeReplace);
        Assert.Equal(["gpus"], diff.Replaces);
        Assert.Equal(PropertyDiff.Types.Kind.UpdateReplace, diff.DetailedDiff["gpus"].Kind);
        Assert.True(diff.DeleteBeforeReplace);
    }

    [Fact]
    public void Plan_replacement_paths_replace_and_keep_the_detailed_diff_invariants()
    {
        var olds = Inputs(100, "a");
        var news = Inputs(100, "b");
        var diff = DiffCalculator.Build(Guest, olds, news, DiffCalculator.ChangedInputs(Guest, olds, news, []), ["gpus[0].mdevType"], false);
        Assert.Contains("gpus", diff.Replaces);
        Assert.Contains("gpus", diff.Diffs);
        Assert.Equal(PropertyDiff.Types.Kind.UpdateReplace, diff.DetailedDiff["gpus[0].mdevType"].Kind);
        foreach (var key in diff.DetailedDiff.Keys)
        {
            Assert.Contains(VgpuIac.Pulumi.PropertyValues.PropertyPath.TopLevel(key), diff.Diffs);
        }

        Assert.Equal(diff.Diffs.Count, diff.Diffs.Distinct().Count());
    }

    [Fact]
    public void Ignored_changes_are_not_diffs()
    {
        Assert.Empty(DiffCalculator.ChangedInputs(Guest, Inputs(100, "a"), Inputs(100, "b"), ["licenseToken"]));
    }

    [Fact]
    public void Adding_and_removing_an_optional_input_are_add_and_delete()
    {
        var add = DiffCalculator.Build(Guest, Inputs(1), Inputs(1, "t"), ["license_token"], [], false);
        Assert.Equal(PropertyDiff.Types.Kind.Add, add.DetailedDiff["licenseToken"].Kind);
        var delete = DiffCalculator.Build(Guest, Inputs(1, "t"), Inputs(1), ["license_token"], [], false);
        Assert.Equal(PropertyDiff.Types.Kind.Delete, delete.DetailedDiff["licenseToken"].Kind);
    }
}
