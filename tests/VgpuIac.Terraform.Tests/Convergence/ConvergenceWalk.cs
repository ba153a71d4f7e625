using System.Collections.Immutable;
using System.Text;
using System.Text.RegularExpressions;
using VgpuIac.Engine.Schema;
using VgpuIac.NodeSim;
using VgpuIac.Terraform.Tests.EndToEnd;

namespace VgpuIac.Terraform.Tests.Convergence;

/// <summary>
/// Walks one scenario through the real terraform CLI on two simulated nodes: the base configuration is applied, then
/// every attribute case in turn changes one attribute on top of the previous ones and must
/// (1) plan exactly that change: an update, or a replacement when the schema says the attribute forces one;
/// (2) converge in one apply; (3) leave an empty plan; (4) change on the nodes only what the case governs, and never a
/// VM's MAC address or SMBIOS UUID unless the VM is replaced.
/// Then <c>-replace</c> of the object converges, and destroy leaves both nodes without it.
/// Failures are collected per case, so one run reports every attribute that does not converge.
/// </summary>
public sealed class ConvergenceWalk(ConvergenceScenario scenario, TerraformLifecycle tf, string files)
{
    private static readonly Regex Mac = new("(?:virtio|e1000|vmxnet3|rtl8139)=([0-9A-Fa-f:]{17})", RegexOptions.None, TimeSpan.FromSeconds(1));
    private static readonly Regex SmbiosUuid = new("uuid=([0-9a-f-]{36})", RegexOptions.None, TimeSpan.FromSeconds(1));

    private readonly List<string> _failures = [];

    /// <summary>How many steps ran (a case's plan, apply, empty plan and node check count as one step each).</summary>
    public int Steps { get; private set; }

    public async Task RunAsync(SimulatedNode pve1, SimulatedNode pve2)
    {
        var provider = ProviderHcl.For(("pve1", pve1), ("pve2", pve2));
        var attributes = scenario.BaseAttributes(files).ToDictionary(StringComparer.Ordinal);
        tf.WriteConfig(provider + Render(attributes));
        await tf.ApplyAsync();
        await tf.AssertNoChangesAsync($"{scenario.ResourceType}: second plan after create");

        foreach (var c in scenario.Cases(files).Where(c => c.ExcludedBecause is null))
        {
            var previous = new Dictionary<string, string>(attributes, StringComparer.Ordinal);
            attributes[c.Attribute] = c.Value!;
            foreach (var (name, value) in c.With)
            {
                attributes[name] = value;
            }

            foreach (var removed in scenario.Removes(c.Attribute))
            {
                attributes.Remove(removed);
            }

            try
            {
                await RunCaseAsync(c, provider + Render(attributes), previous, pve1, pve2);
                if (c.RevertAfter)
                {
                    attributes = previous;
                    tf.WriteConfig(provider + Render(attributes));
                    await tf.ApplyAsync();
                    await tf.AssertNoChangesAsync($"plan after reverting {c.Attribute}");
                    Steps += 2;
                }
            }
            catch (Exception e) when (e is Xunit.Sdk.XunitException)
            {
                _failures.Add($"{c.Attribute} = {c.Value}: {e.Message}");

                // carry on from a converged state: apply the case's configuration again (a plain apply must finish the job)
                try
                {
                    await tf.ApplyAsync();
                }
                catch (Exception again) when (again is Xunit.Sdk.XunitException)
                {
                    _failures.Add($"{c.Attribute}: a second apply did not converge either; the walk stops here: {again.Message}");
                    break;
                }
            }
        }

        await ReplaceAndDestroyAsync(pve1, pve2);
        Assert.True(_failures.Count == 0, $"{scenario.ResourceType}: {_failures.Count} case(s) did not converge:\n\n{string.Join("\n\n", _failures)}");
    }

    private async Task RunCaseAsync(AttributeCase c, string config, Dictionary<string, string> previous, SimulatedNode pve1, SimulatedNode pve2)
    {
        var before = await SnapshotAsync(pve1, pve2);
        tf.WriteConfig(config);

        if (c.PlansNothing)
        {
            await tf.AssertNoChangesAsync($"{c.Attribute} set to the value it already has");
            Steps++;
            var unchanged = before.DiffTo(await SnapshotAsync(pve1, pve2));
            Assert.True(unchanged.IsEmpty, $"a plan with nothing to do changed the nodes:\n{string.Join('\n', unchanged.Select(d => $"  {d.Key}: {d.Change}"))}");
            return;
        }

        // (1) the plan shows that change
        var changes = await tf.PlannedChangesAsync();
        Steps++;
        Assert.True(changes.TryGetValue(scenario.Address, out var change), $"{scenario.Address} is not in the plan");
        var attribute = scenario.Definition.FindAttribute(c.Attribute)!;
        var replaces = attribute.ForcesReplacement || c.Attribute == "node";
        var expected = replaces ? "delete,create" : "update";
        Assert.True(change.Actions == expected, $"planned {change.Actions} (expected {expected}) with changes to {string.Join(", ", change.Changed)}");
        var configured = change.Changed.Where(name => IsConfigured(name, previous, config)).ToList();
        var unexpected = configured.Where(n => n != c.Attribute && !c.AlsoPlanned.Contains(n) && !c.With.ContainsKey(n) && !scenario.Removes(c.Attribute).Contains(n)).ToList();
        Assert.True(unexpected.Count == 0, $"the plan also changes {string.Join(", ", unexpected)}");
        if (!replaces)
        {
            Assert.Contains(c.Attribute, change.Changed);
        }

        // (2) one apply converges, (3) the next plan is empty
        await tf.ApplyAsync();
        Steps++;
        await tf.AssertNoChangesAsync($"plan after applying {c.Attribute}");
        Steps++;

        // (4) the nodes changed only in what the attribute governs
        var after = await SnapshotAsync(pve1, pve2);
        Steps++;
        var stray = before.DiffTo(after).Where(d => !NodeSnapshot.Matches(d.Key, c.Governs)).Select(d => $"  {d.Key}: {d.Change}").ToList();
        if (!replaces)
        {
            foreach (var (key, value) in before.Entries.Where(e => e.Key.Contains(":vm/", StringComparison.Ordinal)))
            {
                if (after.Entries.TryGetValue(key, out var now))
                {
                    if (c.Attribute != "mac_address")
                    {
                        CheckKept(Mac, "MAC address", key, value, now, stray);
                    }

                    CheckKept(SmbiosUuid, "SMBIOS UUID", key, value, now, stray);
                }
            }
        }

        Assert.True(stray.Count == 0, $"the nodes changed beyond what {c.Attribute} governs ({string.Join(", ", c.Governs)}):\n{string.Join('\n', stray)}");
    }

    private static void CheckKept(Regex pattern, string what, string key, string before, string after, List<string> stray)
    {
        if (pattern.Match(before) is { Success: true } old && pattern.Match(after) is var now && (!now.Success || now.Groups[1].Value != old.Groups[1].Value))
        {
            stray.Add($"  {key}: the {what} changed ({old.Groups[1].Value} -> {(now.Success ? now.Groups[1].Value : "none")})");
        }
    }

    private async Task ReplaceAndDestroyAsync(SimulatedNode pve1, SimulatedNode pve2)
    {
        try
        {
            await tf.SucceedsAsync("apply", "-auto-approve", "-input=false", "-replace=" + scenario.Address);
            Steps++;
            await tf.AssertNoChangesAsync($"plan after -replace of {scenario.Address}");
            Steps++;
        }
        catch (Exception e) when (e is Xunit.Sdk.XunitException)
        {
            _failures.Add($"-replace: {e.Message}");
        }

        try
        {
            await tf.DestroyAsync();
            Steps++;
            var state = await tf.SucceedsAsync("state", "list");
            Assert.DoesNotContain(scenario.Address, state, StringComparison.Ordinal);
        }
        catch (Exception e) when (e is Xunit.Sdk.XunitException)
        {
            _failures.Add($"destroy: {e.Message}");
        }
    }

    /// <summary>A configured attribute is one the configuration sets now or set before the change; anything else the plan changes is computed.</summary>
    private bool IsConfigured(string name, Dictionary<string, string> previous, string config) =>
        scenario.Definition.FindAttribute(name) is { Mode: not AttributeMode.Computed } a
        && (a.Mode != AttributeMode.OptionalComputed || previous.ContainsKey(name) || Regex.IsMatch(config, $@"^\s*{Regex.Escape(name)}\s*=", RegexOptions.Multiline, TimeSpan.FromSeconds(1)));

    private static async Task<NodeSnapshot> SnapshotAsync(SimulatedNode pve1, SimulatedNode pve2)
    {
        var one = await NodeSnapshot.CaptureAsync(pve1);
        var two = await NodeSnapshot.CaptureAsync(pve2);
        return new NodeSnapshot(one.Entries.Select(e => KeyValuePair.Create("pve1:" + e.Key, e.Value))
            .Concat(two.Entries.Select(e => KeyValuePair.Create("pve2:" + e.Key, e.Value)))
            .ToImmutableSortedDictionary(StringComparer.Ordinal));
    }

    private string Render(Dictionary<string, string> attributes)
    {
        var sb = new StringBuilder().Append("resource \"").Append(scenario.ResourceType).Append("\" \"c\" {\n");
        var width = attributes.Keys.Max(k => k.Length);
        foreach (var (name, value) in attributes.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            sb.Append("  ").Append(name.PadRight(width)).Append(" = ").Append(value).Append('\n');
        }

        return sb.Append("}\n").ToString();
    }
}
