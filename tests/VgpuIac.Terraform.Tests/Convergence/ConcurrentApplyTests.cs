using VgpuIac.NodeSim;
using VgpuIac.Terraform.Tests.EndToEnd;
using VgpuIac.Terraform.Tests.Support;

namespace VgpuIac.Terraform.Tests.Convergence;

/// <summary>
/// Two applies at once on one node, from two Terraform working directories (two teams, two states): edits of one shared
/// file (<c>profile_override.toml</c>, different sections) are serialised by the node lock, so neither loses the
/// other's section; two guests created at once each get their vGPU instance; both states converge.
/// </summary>
[Trait("Category", "E2E")]
public sealed class ConcurrentApplyTests : IDisposable
{
    private readonly TerraformLifecycle _one = new();
    private readonly TerraformLifecycle _two = new();

    private static string Override(string provider, string type, int width) => provider + $$"""
        resource "vgpu_profile_override" "o" {
          node          = "pve1"
          mdev_type     = "{{type}}"
          display_width = {{width}}
          display_height = 1080
        }
        """;

    [NodeFact]
    public async Task Two_applies_editing_different_sections_of_one_file_at_once_both_land()
    {
        Assert.True(TerraformCli.Available, "terraform must be on PATH for the end-to-end tests");
        if (await SimulatedNodes.StartOrExplainAsync(new NodeOptions { Hostname = "pve1", RebootDelay = 0.5 }) is not { } node)
        {
            return;
        }

        await using (node)
        {
            await HandMadeNode.InstallHostDriverAsync(node);
            var provider = ProviderHcl.For(("pve1", node));
            for (var round = 0; round < 3; round++)
            {
                _one.WriteConfig(Override(provider, "nvidia-46", 1920 + round));
                _two.WriteConfig(Override(provider, "nvidia-47", 1280 + round));
                await Task.WhenAll(_one.ApplyAsync(), _two.ApplyAsync());

                var file = await node.ExecCheckedAsync("cat /etc/vgpu_unlock/profile_override.toml");
                Assert.Contains("[profile.nvidia-46]", file, StringComparison.Ordinal);
                Assert.Contains("[profile.nvidia-47]", file, StringComparison.Ordinal);
                Assert.Contains($"display_width = {1920 + round}", file, StringComparison.Ordinal);
                Assert.Contains($"display_width = {1280 + round}", file, StringComparison.Ordinal);
                await _one.AssertNoChangesAsync("first state after concurrent applies");
                await _two.AssertNoChangesAsync("second state after concurrent applies");
            }

            await Task.WhenAll(_one.DestroyAsync(), _two.DestroyAsync());
            var left = await node.ExecAsync("cat /etc/vgpu_unlock/profile_override.toml 2>/dev/null");
            Assert.DoesNotContain("[profile.nvidia-4", left.StandardOutput, StringComparison.Ordinal);
        }
    }

    private static string Guest(string provider, int vmid) => provider + $$"""
        resource "vgpu_guest" "g" {
          node           = "pve1"
          vmid           = {{vmid}}
          name           = "concurrent-{{vmid}}"
          cores          = 2
          memory_mb      = 2048
          mdev_type_name = "GRID P40-1Q"
          guest_setup    = "none"
        }
        """;

    [NodeFact]
    public async Task Two_applies_creating_different_guests_on_one_node_at_once_both_converge()
    {
        if (await SimulatedNodes.StartOrExplainAsync(new NodeOptions { Hostname = "pve1", RebootDelay = 0.5 }) is not { } node)
        {
            return;
        }

        await using (node)
        {
            await HandMadeNode.InstallHostDriverAsync(node);
            var provider = ProviderHcl.For(("pve1", node));
            _one.WriteConfig(Guest(provider, 300));
            _two.WriteConfig(Guest(provider, 301));
            await Task.WhenAll(_one.ApplyAsync(), _two.ApplyAsync());

            foreach (var vmid in new[] { 300, 301 })
            {
                var config = await node.ExecCheckedAsync($"qm config {vmid}");
                Assert.Contains("mdev=nvidia-46", config, StringComparison.Ordinal);
                Assert.Contains("tags: vgpuiac", config, StringComparison.Ordinal);
                Assert.Contains("status: running", await node.ExecCheckedAsync($"qm status {vmid}"), StringComparison.Ordinal);
            }

            await _one.AssertNoChangesAsync("first state after concurrent creates");
            await _two.AssertNoChangesAsync("second state after concurrent creates");
            await Task.WhenAll(_one.DestroyAsync(), _two.DestroyAsync());
            Assert.Equal("24", (await node.ExecCheckedAsync("cat /sys/bus/pci/devices/0000:01:00.0/mdev_supported_types/nvidia-46/available_instances")).Trim());
        }
    }

    private static string Named(string provider, string resource, int vmid, string name) => provider + $$"""

        resource "vgpu_guest" "{{resource}}" {
          node           = "pve1"
          vmid           = {{vmid}}
          name           = "{{name}}"
          cores          = 2
          memory_mb      = 2048
          mdev_type_name = "GRID P40-1Q"
          guest_setup    = "none"
        }
        """;

    private static string Flat(string text) => System.Text.RegularExpressions.Regex.Replace(text, @"\s+", " ", System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1));

    /// <summary>Polls <paramref name="condition"/> until it holds (deadline 2 min).</summary>
    private static async Task PollAsync(Func<Task<bool>> condition, string what, Func<string> context)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"{what} never happened:\n{context()}");
            await Task.Delay(100);
        }
    }

    /// <summary>
    /// Two states create the same vmid at once. The second's plan saw the vmid free; at its apply the first holds the
    /// vmid's create lock (held at <c>qm create</c>), so the second waits, then finds the VM the first made and handed to
    /// its state: it refuses (the VM appeared after its plan) and changes nothing. A plan made while a create is running
    /// is refused too, and so is one made once that VM is in the first state (with an import hint). The second state,
    /// with another vmid, converges; both destroy cleanly.
    /// </summary>
    [NodeFact]
    public async Task Two_states_creating_the_same_vmid_one_creates_the_other_is_refused_and_changes_nothing()
    {
        Assert.True(TerraformCli.Available, "terraform must be on PATH for the end-to-end tests");
        if (await SimulatedNodes.StartOrExplainAsync(new NodeOptions { Hostname = "pve1", RebootDelay = 0.5 }) is not { } node)
        {
            return;
        }

        await using (node)
        {
            await HandMadeNode.InstallHostDriverAsync(node);
            var provider = ProviderHcl.For(("pve1", node));
            _one.WriteConfig(Named(provider, "g", 300, "first"));
            _two.WriteConfig(Named(provider, "g", 300, "second"));

            // the second's plan sees VM 300 free
            var (planCode, planOutput) = await _two.Cli.RunAsync("plan", "-input=false", "-out=tfplan");
            Assert.True(planCode == 0, planOutput);
            Assert.Contains("1 to add", planOutput, StringComparison.Ordinal);

            // the first creates it and is held at qm create (it holds the vmid's create lock); the second's apply waits for it
            var hold = await node.HoldAsync("^qm create 300");
            var mark = await node.CommandLogMarkAsync();
            var first = _one.Cli.RunAsync("apply", "-auto-approve", "-input=false");
            await PollAsync(() => node.IsHeldAsync(hold), "the first apply reaching qm create 300", () => string.Empty);
            var second = _two.Cli.RunAsync("apply", "-input=false", "tfplan");
            await PollAsync(async () => int.Parse((await node.ExecCheckedAsync("pgrep -fc 'vgpuiac-create-30[0][.]lock' || true")).Trim(), System.Globalization.CultureInfo.InvariantCulture) >= 2,
                "the second apply waiting for the vmid's create lock", () => string.Empty);
            await node.ReleaseAsync(hold);
            var (firstCode, firstOutput) = await first;
            var (secondCode, secondOutput) = await second;

            Assert.True(firstCode == 0, firstOutput);
            Assert.True(secondCode != 0, "the second apply adopted the first's VM:\n" + secondOutput);
            Assert.Contains("appeared on node \"pve1\" after this plan was made", Flat(secondOutput), StringComparison.Ordinal);
            Assert.Contains("changed nothing", Flat(secondOutput), StringComparison.Ordinal);
            Assert.Contains("name: first", await node.ExecCheckedAsync("qm config 300"), StringComparison.Ordinal);
            var mutations = (await node.ReadCommandLogAsync(mark)).Where(e => e.Kind == CommandLogKind.ShimMutate).Select(e => e.Text).ToList();
            Assert.Single(mutations, m => m.StartsWith("qm create 300", StringComparison.Ordinal));
            Assert.DoesNotContain(mutations, m => m.StartsWith("qm set 300", StringComparison.Ordinal) || m.Contains("second", StringComparison.Ordinal));
            Assert.DoesNotContain("vgpu_guest.g", (await _two.Cli.RunAsync("state", "list")).Output, StringComparison.Ordinal);
            await _one.AssertNoChangesAsync("the first state after it created VM 300");

            // a plan made once VM 300 is in the first state: refused, with the way to manage it here instead
            var (otherCode, otherOutput) = await _two.Cli.RunAsync("plan", "-input=false");
            Assert.True(otherCode != 0, otherOutput);
            Assert.Contains("was created by another apply that handed it to its own state", Flat(otherOutput), StringComparison.Ordinal);
            Assert.Contains("import", otherOutput, StringComparison.Ordinal);

            // the second, fixed to vmid 301, converges; while it is being created (held at qm start), a plan for 301 from
            // the first state is refused as in progress
            _two.WriteConfig(Named(provider, "g", 301, "second"));
            var startHold = await node.HoldAsync("^qm start 301");
            var fixedApply = _two.Cli.RunAsync("apply", "-auto-approve", "-input=false");
            await PollAsync(() => node.IsHeldAsync(startHold), "the second apply reaching qm start 301", () => string.Empty);
            _one.WriteConfig(Named(provider, "g", 300, "first") + Named(string.Empty, "h", 301, "third"));
            var (busyCode, busyOutput) = await _one.Cli.RunAsync("plan", "-input=false");
            await node.ReleaseAsync(startHold);
            var (fixedCode, fixedOutput) = await fixedApply;
            Assert.True(fixedCode == 0, fixedOutput);
            Assert.True(busyCode != 0, busyOutput);
            Assert.Contains("Another apply is creating VM 301 on node \"pve1\" right now", Flat(busyOutput), StringComparison.Ordinal);

            _one.WriteConfig(Named(provider, "g", 300, "first"));
            await _one.AssertNoChangesAsync("the first state at the end");
            await _two.AssertNoChangesAsync("the second state after its retry with vmid 301");
            await Task.WhenAll(_one.DestroyAsync(), _two.DestroyAsync());
            Assert.Equal(string.Empty, (await node.ExecCheckedAsync("ls /etc/pve/qemu-server")).Trim());
        }
    }

    public void Dispose()
    {
        _one.Dispose();
        _two.Dispose();
    }
}
