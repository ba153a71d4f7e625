using System.Text.Json;

namespace VgpuIac.Terraform.Tests.EndToEnd;

/// <summary>
/// The steps of a resource's life through the real terraform CLI, each asserting its exit code: apply, a plan that
/// must be empty (<c>-detailed-exitcode</c> 0), a plan that must change something, drift seen by <c>-refresh-only</c>,
/// <c>terraform import</c> and an <c>import</c> block.
/// </summary>
public sealed class TerraformLifecycle : IDisposable
{
    public TerraformCli Cli { get; } = new();

    public string WorkDir => Cli.WorkDir;

    public void WriteConfig(string hcl) => Cli.WriteConfig(hcl);

    /// <summary>Runs terraform and fails the test unless it exits 0; returns its output.</summary>
    public async Task<string> SucceedsAsync(params string[] args)
    {
        var (code, output) = await Cli.RunAsync(args);
        Assert.True(code == 0, $"terraform {string.Join(' ', args)} exited {code}:\n{TerraformCli.ForMessage(output)}");
        return output;
    }

    public Task<string> ApplyAsync() => SucceedsAsync("apply", "-auto-approve", "-input=false");

    public Task<string> DestroyAsync() => SucceedsAsync("destroy", "-auto-approve", "-input=false");

    /// <summary>A plan that must have nothing to do (exit 0 with -detailed-exitcode).</summary>
    public async Task AssertNoChangesAsync(string because)
    {
        var (code, output) = await Cli.RunAsync("plan", "-input=false", "-detailed-exitcode");
        Assert.True(code == 0, $"{because}: expected an empty plan (exit 0), got exit {code}:\n{TerraformCli.ForMessage(output)}");
    }

    /// <summary>A plan that must propose changes (exit 2 with -detailed-exitcode); returns its output.</summary>
    public async Task<string> PlanWithChangesAsync(params string[] extra)
    {
        string[] args = ["plan", "-input=false", "-detailed-exitcode", .. extra];
        var (code, output) = await Cli.RunAsync(args);
        Assert.True(code == 2, $"terraform {string.Join(' ', args)}: expected changes (exit 2), got exit {code}:\n{TerraformCli.ForMessage(output)}");
        return output;
    }

    /// <summary>A refresh-only plan that must find the object changed outside Terraform; returns its output.</summary>
    public async Task<string> DriftAsync()
    {
        var output = await PlanWithChangesAsync("-refresh-only");
        Assert.Contains("changed outside of Terraform", output, StringComparison.Ordinal);
        return output;
    }

    /// <summary>
    /// Plans and returns, per resource address, its actions and the attributes whose value changes (from
    /// <c>terraform show -json</c> of the saved plan; sensitive values count as changed when they differ).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, (string Actions, IReadOnlyList<string> Changed)>> PlannedChangesAsync()
    {
        await SucceedsAsync("plan", "-input=false", "-out=lifecycle.tfplan");
        var json = await SucceedsJsonAsync("show", "-json", "lifecycle.tfplan");
        using var plan = JsonDocument.Parse(json);
        var changes = new Dictionary<string, (string, IReadOnlyList<string>)>(StringComparer.Ordinal);
        if (plan.RootElement.TryGetProperty("resource_changes", out var list))
        {
            foreach (var rc in list.EnumerateArray())
            {
                var change = rc.GetProperty("change");
                var actions = string.Join(',', change.GetProperty("actions").EnumerateArray().Select(a => a.GetString()));
                var before = change.GetProperty("before");
                var after = change.GetProperty("after");
                var unknown = change.TryGetProperty("after_unknown", out var u) ? u : default;
                var changed = new List<string>();
                if (before.ValueKind == JsonValueKind.Object && after.ValueKind == JsonValueKind.Object)
                {
                    foreach (var p in after.EnumerateObject())
                    {
                        var isUnknown = unknown.ValueKind == JsonValueKind.Object && unknown.TryGetProperty(p.Name, out var x) && x.ValueKind == JsonValueKind.True;
                        var old = before.TryGetProperty(p.Name, out var b) ? b.GetRawText() : "null";
                        if (isUnknown || old != p.Value.GetRawText())
                        {
                            changed.Add(p.Name);
                        }
                    }
                }

                changes[rc.GetProperty("address").GetString()!] = (actions, changed);
            }
        }

        return changes;
    }

    /// <summary>
    /// After an import: the plan may only fill in what the node cannot tell (settings that exist only in the
    /// configuration, such as where the installer came from); it must not replace or recreate anything.
    /// </summary>
    public async Task AssertImportNeedsAtMostAsync(string address, params string[] configOnly)
    {
        var changes = await PlannedChangesAsync();
        Assert.True(changes.TryGetValue(address, out var change), $"{address} is not in the plan");
        Assert.True(change.Actions is "no-op" or "update", $"after import {address} plans {change.Actions} of {string.Join(", ", change.Changed)}");
        var unexpected = change.Changed.Except(configOnly, StringComparer.Ordinal).ToList();
        Assert.True(unexpected.Count == 0, $"after import {address} plans changes of {string.Join(", ", unexpected)} (only {string.Join(", ", configOnly)} may come from the configuration)");
    }

    private async Task<string> SucceedsJsonAsync(params string[] args)
    {
        var (code, output) = await Cli.RunAsync(args);
        Assert.True(code == 0, $"terraform {string.Join(' ', args)} exited {code}:\n{TerraformCli.ForMessage(output)}");
        // stdout (one line of JSON) comes before stderr (the dev_overrides warning) in the output
        var start = output.IndexOf('{', StringComparison.Ordinal);
        var end = output.IndexOf('\n', start);
        return end < 0 ? output[start..] : output[start..end];
    }

    /// <summary>Forgets <paramref name="address"/> and brings it back with <c>terraform import</c>.</summary>
    public async Task<string> ReimportWithCliAsync(string address, string id)
    {
        await SucceedsAsync("state", "rm", address);
        var output = await SucceedsAsync("import", "-input=false", address, id);
        Assert.Contains("Import successful!", output, StringComparison.Ordinal);
        return output;
    }

    /// <summary>
    /// Forgets <paramref name="address"/>, then plans and applies <paramref name="config"/> plus an import block (the
    /// plan may only change <paramref name="configOnly"/>); the block is removed afterwards.
    /// </summary>
    public async Task ReimportWithBlockAsync(string config, string address, string id, params string[] configOnly)
    {
        await SucceedsAsync("state", "rm", address);
        WriteConfig(config + ProviderHcl.ImportBlock(address, id));
        var plan = await SucceedsAsync("plan", "-input=false");
        Assert.Contains("Plan: 1 to import, 0 to add, ", plan, StringComparison.Ordinal);
        Assert.Contains(", 0 to destroy.", plan, StringComparison.Ordinal);
        await AssertImportNeedsAtMostAsync(address, configOnly);
        await ApplyAsync();
        WriteConfig(config);
        var state = await SucceedsAsync("state", "list");
        Assert.Contains(address, state, StringComparison.Ordinal);
    }

    public void Dispose() => Cli.Dispose();
}
