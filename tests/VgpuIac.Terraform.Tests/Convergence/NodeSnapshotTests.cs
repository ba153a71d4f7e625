using System.Collections.Immutable;

namespace VgpuIac.Terraform.Tests.Convergence;

/// <summary>The convergence walk's node comparison: what counts as a change and what a case's patterns allow.</summary>
public sealed class NodeSnapshotTests
{
    private static NodeSnapshot Of(params (string Key, string Value)[] entries) =>
        new(entries.ToImmutableSortedDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal));

    [Fact]
    public void A_diff_names_changed_added_and_removed_keys()
    {
        var before = Of(("pve1:vm/200/cores", "2"), ("pve1:vm/200/net0", "virtio=BC:24:11:00:00:01,bridge=vmbr0"), ("pve1:file/etc/a", "x 644 root:root"));
        var after = Of(("pve1:vm/200/cores", "4"), ("pve1:vm/200/net0", "virtio=BC:24:11:00:00:01,bridge=vmbr0"), ("pve1:file/etc/b", "y 600 root:root"));

        var diff = before.DiffTo(after).ToDictionary(d => d.Key, d => d.Change);

        Assert.Equal(3, diff.Count);
        Assert.Equal("2 -> 4", diff["pve1:vm/200/cores"]);
        Assert.StartsWith("removed", diff["pve1:file/etc/a"], StringComparison.Ordinal);
        Assert.StartsWith("added", diff["pve1:file/etc/b"], StringComparison.Ordinal);
        Assert.Empty(before.DiffTo(before));
    }

    [Theory]
    [InlineData("pve1:vm/200/cores", "pve1:vm/200/cores", true)]
    [InlineData("pve1:vm/200/cores", "pve1:vm/200/*", true)]
    [InlineData("pve1:vm/201/cores", "pve1:vm/200/*", false)]
    [InlineData("pve1:unit/nvidia-vgpu-mgr", "pve1:unit/*", true)]
    [InlineData("pve2:unit/nvidia-vgpu-mgr", "pve1:unit/*", false)]
    [InlineData("pve1:vm/200/cores", "pve1:vm/200/core", false)]
    [InlineData("anything", "*", true)]
    public void Patterns_match_whole_keys_with_star_for_any_run(string key, string pattern, bool matches) =>
        Assert.Equal(matches, NodeSnapshot.Matches(key, [pattern]));
}
