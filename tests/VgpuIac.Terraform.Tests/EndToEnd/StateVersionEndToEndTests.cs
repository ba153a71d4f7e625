using VgpuIac.Terraform.Tests.Support;

namespace VgpuIac.Terraform.Tests.EndToEnd;

/// <summary>
/// Stored state and the provider's schema versions through the real CLI: state of the current version (0) is read as
/// is; state a newer provider wrote (schema_version 1) stops the plan with "upgrade the vgpu provider", and the state
/// file is left as it was.
/// </summary>
[Trait("Category", "E2E")]
public sealed class StateVersionEndToEndTests : IDisposable
{
    private readonly TerraformLifecycle _tf = new();

    private static string State(long schemaVersion) => $$"""
        {
          "version": 4,
          "terraform_version": "1.11.4",
          "serial": 3,
          "lineage": "0b8a6a3e-5f0c-4c55-9d51-7c1f5e2b9a10",
          "outputs": {},
          "resources": [
            {
              "mode": "managed",
              "type": "vgpu_profile_override",
              "name": "p",
              "provider": "provider[\"registry.terraform.io/vgpuiac/vgpu\"]",
              "instances": [
                {
                  "schema_version": {{schemaVersion}},
                  "attributes": { "id": "pve1/profile.nvidia-46", "node": "pve1", "mdev_type": "nvidia-46", "display_width": 1920 },
                  "sensitive_attributes": []
                }
              ]
            }
          ],
          "check_results": null
        }
        """;

    [NodeFact]
    public async Task State_written_by_a_newer_provider_stops_the_plan_with_upgrade_the_provider()
    {
        Assert.True(TerraformCli.Available, "terraform must be on PATH for the end-to-end tests");
        if (await SimulatedNodes.StartOrExplainAsync(new NodeSim.NodeOptions { Hostname = "pve1" }) is not { } node)
        {
            return;
        }

        await using (node)
        {
            _tf.WriteConfig(ProviderHcl.For(("pve1", node)) + """
                resource "vgpu_profile_override" "p" {
                  node          = "pve1"
                  mdev_type     = "nvidia-46"
                  display_width = 1920
                }
                """);
            var statePath = Path.Combine(_tf.WorkDir, "terraform.tfstate");

            // version 0 (this provider's): read as is; the node has no such override, so the plan creates it
            await File.WriteAllTextAsync(statePath, State(0));
            var current = await _tf.PlanWithChangesAsync();
            Assert.Contains("will be created", current, StringComparison.Ordinal);

            // version 1 (a newer provider's): refused, and the file is untouched
            await File.WriteAllTextAsync(statePath, State(1));
            var (code, output) = await _tf.Cli.RunAsync("plan", "-input=false");
            Assert.True(code == 1, $"plan should fail on state from a newer provider:\n{output}");
            var flat = string.Join(' ', output.Split((char[])['\n', ' '], StringSplitOptions.RemoveEmptyEntries));

            // Terraform compares the stored schema_version with the one GetProviderSchema reports (0) and refuses before
            // calling UpgradeResourceState; the provider's own "upgrade the provider" diagnostic for clients that do
            // call it is covered in Planning/StateUpgradeTests.
            Assert.Contains("Resource instance managed by newer provider version", flat, StringComparison.Ordinal);
            Assert.Contains("Upgrade the vgpu provider to work with this state", flat, StringComparison.Ordinal);
            Assert.Equal(State(1), await File.ReadAllTextAsync(statePath));
        }
    }

    public void Dispose() => _tf.Dispose();
}
