using VgpuIac.Engine.Catalog;
using VgpuIac.Engine.Nodes;
using VgpuIac.Engine.Schema;
using VgpuIac.NodeSim;
using VgpuIac.Terraform.Tests.EndToEnd;
using VgpuIac.Terraform.Tests.Support;

namespace VgpuIac.Terraform.Tests.Convergence;

/// <summary>
/// The convergence suite generated from the schema: every configurable attribute of every resource is changed from a
/// converged state through the real terraform CLI (<see cref="ConvergenceWalk"/>), and a new attribute without its case
/// fails <see cref="Every_configurable_attribute_of_every_resource_has_a_case"/>.
/// </summary>
[Trait("Category", "E2E")]
public sealed class ConvergenceSuiteTests : IDisposable
{
    private readonly TerraformLifecycle _tf = new();
    private readonly string _files = Directory.CreateTempSubdirectory("vgpu-tf-conv-").FullName;

    public static TheoryData<string> Resources()
    {
        var data = new TheoryData<string>();
        foreach (var s in Scenarios.All)
        {
            data.Add(s.ResourceType);
        }

        return data;
    }

    [Fact]
    public void Every_configurable_attribute_of_every_resource_has_a_case()
    {
        var missing = new List<string>();
        foreach (var resource in EngineCatalog.Resources)
        {
            var scenario = Scenarios.All.FirstOrDefault(s => s.Definition.Name == resource.Definition.Name);
            if (scenario is null)
            {
                missing.Add($"vgpu_{resource.Definition.Name}: no convergence scenario");
                continue;
            }

            var cases = scenario.Cases("/nonexistent").ToLookup(c => c.Attribute, StringComparer.Ordinal);
            foreach (var attribute in resource.Definition.Attributes.Where(a => a.Mode != AttributeMode.Computed))
            {
                if (!cases.Contains(attribute.Name))
                {
                    missing.Add($"vgpu_{resource.Definition.Name}.{attribute.Name}: no case (add one to Convergence/Scenarios.cs, or exclude it with the reason and the test that covers it)");
                }
            }

            foreach (var c in cases.SelectMany(g => g))
            {
                if (resource.Definition.FindAttribute(c.Attribute) is null)
                {
                    missing.Add($"vgpu_{resource.Definition.Name}.{c.Attribute}: a case for an attribute the schema does not have");
                }
                else if (c.ExcludedBecause is null && c.Value is null)
                {
                    missing.Add($"vgpu_{resource.Definition.Name}.{c.Attribute}: a case without a value or a reason");
                }
            }
        }

        Assert.True(missing.Count == 0, string.Join('\n', missing));
        Assert.Contains(ProviderSchema.NodeAttribute.Name, Scenarios.All.SelectMany(s => s.Cases("/nonexistent")).Select(c => c.Attribute));
    }

    [NodeTheory]
    [MemberData(nameof(Resources))]
    public async Task Changing_each_attribute_converges_and_changes_only_what_it_governs(string resourceType)
    {
        Assert.True(TerraformCli.Available, "terraform must be on PATH for the end-to-end tests");
        var scenario = Scenarios.All.Single(s => s.ResourceType == resourceType);
        if (await SimulatedNodes.StartOrExplainAsync(scenario.NodeOptions("pve1")) is not { } pve1)
        {
            return;
        }

        await using (pve1)
        {
            await using var pve2 = (await SimulatedNodes.StartOrExplainAsync(scenario.NodeOptions("pve2")))!;
            await scenario.PrepareAsync(pve1, _files);
            await scenario.PrepareAsync(pve2, _files);
            var walk = new ConvergenceWalk(scenario, _tf, _files);
            await walk.RunAsync(pve1, pve2);
            Console.WriteLine($"{resourceType}: {walk.Steps} convergence steps");
        }
    }

    [NodeTheory]
    [MemberData(nameof(Resources))]
    public async Task A_create_that_failed_midway_is_finished_by_a_plain_apply(string resourceType)
    {
        Assert.True(TerraformCli.Available, "terraform must be on PATH for the end-to-end tests");
        var scenario = Scenarios.All.Single(s => s.ResourceType == resourceType);
        if (await SimulatedNodes.StartOrExplainAsync(scenario.NodeOptions("pve1")) is not { } node)
        {
            return;
        }

        await using (node)
        {
            await scenario.PrepareAsync(node, _files);
            var attributes = scenario.BaseAttributes(_files);
            _tf.WriteConfig(ProviderHcl.For(("pve1", node)) + $"resource \"{scenario.ResourceType}\" \"c\" {{\n"
                + string.Concat(attributes.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"  {a.Key} = {a.Value}\n")) + "}\n");

            // the create breaks once midway
            await node.FailNextAsync(scenario.FailOnceDuringCreate, exitCode: 1, stderr: "injected failure", once: true);
            var (code, output) = await _tf.Cli.RunAsync("apply", "-auto-approve", "-input=false");
            Assert.True(code != 0, $"the injected failure ({scenario.FailOnceDuringCreate}) did not fail the create:\n{output}");
            // terraform wraps diagnostics at 80 columns: compare with whitespace runs collapsed
            var flat = System.Text.RegularExpressions.Regex.Replace(output, @"\s+", " ", System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1));
            Assert.True(flat.Contains("injected failure", StringComparison.Ordinal), $"the error does not say what the node answered:\n{output}");

            // a plain apply finishes the job, the next plan is empty, and destroy works
            await _tf.ApplyAsync();
            await _tf.AssertNoChangesAsync($"{resourceType}: plan after the apply that finished a failed create");
            await _tf.DestroyAsync();
            Assert.DoesNotContain(scenario.Address, await _tf.SucceedsAsync("state", "list"), StringComparison.Ordinal);
        }
    }

    public void Dispose()
    {
        _tf.Dispose();
        Directory.Delete(_files, recursive: true);
    }
}
