using System.Globalization;
using VgpuIac.NodeSim;

using VgpuIac.Terraform.Tests.Support;

namespace VgpuIac.Terraform.Tests.EndToEnd;

/// <summary>
/// One resource's whole life through the real terraform CLI and the shipped binary, against a simulated node:
/// create, "No changes", in-place update, drift (found by -refresh-only, repaired by apply), replacement,
/// `terraform import` and an `import` block, TF_LOG=debug without secrets, destroy.
/// </summary>
[Trait("Category", "E2E")]
public sealed class LifecycleEndToEndTests : IDisposable
{
    private readonly TerraformLifecycle _tf = new();

    private static string Config(SimulatedNode node, string type, int width, string extra = "") => $$"""
        terraform {
          required_providers {
            vgpu = { source = "vgpuiac/vgpu" }
          }
        }

        provider "vgpu" {
          private_key = file("{{node.PrivateKeyPath}}")
          node "pve1" {
            host            = "{{node.Host}}"
            port            = {{node.Port.ToString(CultureInfo.InvariantCulture)}}
            host_key_sha256 = "{{node.HostKeySha256}}"
          }
        }

        resource "vgpu_profile_override" "p" {
          node           = "pve1"
          mdev_type      = "{{type}}"
          num_displays   = 1
          display_width  = {{width.ToString(CultureInfo.InvariantCulture)}}
          display_height = 1080
        }
        {{extra}}
        """;

    [NodeFact]
    public async Task Profile_override_lives_a_whole_life_through_the_terraform_cli()
    {
        Assert.True(TerraformCli.Available, "terraform must be on PATH for the end-to-end tests");
        if (await SimulatedNodes.StartOrExplainAsync() is not { } node)
        {
            return;
        }

        await using (node)
        {
            string Toml() => node.ExecCheckedAsync("cat /etc/vgpu_unlock/profile_override.toml").GetAwaiter().GetResult();

            // create
            _tf.WriteConfig(Config(node, "nvidia-46", 1920));
            await _tf.ApplyAsync();
            Assert.Contains("[profile.nvidia-46]", Toml(), StringComparison.Ordinal);
            Assert.Contains("display_width = 1920", Toml(), StringComparison.Ordinal);

            // nothing to do
            await _tf.AssertNoChangesAsync("second plan after create");

            // in-place update
            _tf.WriteConfig(Config(node, "nvidia-46", 1280));
            var update = await _tf.PlanWithChangesAsync();
            Assert.Contains("update in-place", update, StringComparison.Ordinal);
            await _tf.ApplyAsync();
            Assert.Contains("display_width = 1280", Toml(), StringComparison.Ordinal);

            // drift: a hand edit on the node is seen by -refresh-only and repaired by apply
            await node.ExecCheckedAsync("sed -i 's/^display_width = 1280/display_width = 800/' /etc/vgpu_unlock/profile_override.toml");
            var refresh = await _tf.DriftAsync();
            Assert.Contains("800", refresh, StringComparison.Ordinal);
            await _tf.ApplyAsync();
            Assert.Contains("display_width = 1280", Toml(), StringComparison.Ordinal);
            await _tf.AssertNoChangesAsync("plan after repairing the drift");

            // replacement: another target
            _tf.WriteConfig(Config(node, "nvidia-47", 1280));
            var replace = await _tf.PlanWithChangesAsync();
            Assert.Contains("must be replaced", replace, StringComparison.Ordinal);
            await _tf.ApplyAsync();
            Assert.Contains("[profile.nvidia-47]", Toml(), StringComparison.Ordinal);
            Assert.DoesNotContain("[profile.nvidia-46]", Toml(), StringComparison.Ordinal);

            // terraform import
            await _tf.ReimportWithCliAsync("vgpu_profile_override.p", "pve1/profile.nvidia-47");
            await _tf.AssertNoChangesAsync("plan after terraform import");

            // an import block
            await _tf.ReimportWithBlockAsync(Config(node, "nvidia-47", 1280), "vgpu_profile_override.p", "pve1/profile.nvidia-47");
            await _tf.AssertNoChangesAsync("plan after an import block");

            // TF_LOG=debug shows what the provider did on the node, and never the private key
            var (debugCode, debug) = await _tf.Cli.RunWithEnvironmentAsync(new Dictionary<string, string> { ["TF_LOG"] = "debug" }, "plan", "-input=false");
            Assert.True(debugCode == 0, debug);
            Assert.Contains("provider.terraform-provider-vgpu", debug, StringComparison.Ordinal);
            var keyBody = node.PrivateKeyPem.Split('\n')[1];
            Assert.DoesNotContain(keyBody, debug, StringComparison.Ordinal);

            // destroy removes only our section (the file stays)
            await _tf.DestroyAsync();
            Assert.DoesNotContain("[profile.nvidia-47]", Toml(), StringComparison.Ordinal);
        }
    }

    [NodeFact]
    public async Task A_provider_killed_mid_apply_leaves_a_state_the_next_apply_repairs()
    {
        Assert.True(TerraformCli.Available, "terraform must be on PATH for the end-to-end tests");
        if (await SimulatedNodes.StartOrExplainAsync() is not { } node)
        {
            return;
        }

        await using (node)
        {
            _tf.WriteConfig(Config(node, "nvidia-46", 1920));

            // every command that touches the override file is slowed down; the provider is killed while applying
            var fault = await node.DelayAsync("profile_override", 4);
            var apply = _tf.Cli.RunAsync("apply", "-auto-approve", "-input=false");
            await Task.Delay(TimeSpan.FromSeconds(3));
            var killedPids = KillProvidersRunningIn(_tf.WorkDir);
            Assert.True(killedPids > 0, "no provider process of this terraform run was found to kill");

            var (killedCode, killed) = await apply;
            Assert.True(killedCode != 0, "apply should fail when its provider dies:\n" + killed);
            await node.ClearFaultsAsync(fault);

            // the next apply converges, and then there is nothing left to do
            var (code, output) = await _tf.Cli.RunAsync("apply", "-auto-approve", "-input=false");
            Assert.True(code == 0, output);
            Assert.Contains("display_width = 1920", await node.ExecCheckedAsync("cat /etc/vgpu_unlock/profile_override.toml"), StringComparison.Ordinal);
            await _tf.AssertNoChangesAsync("plan after the repairing apply");
        }
    }

    /// <summary>SIGKILLs the provider processes whose working directory is <paramref name="workDir"/> (only this test's terraform).</summary>
    private static int KillProvidersRunningIn(string workDir)
    {
        var killed = 0;
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline"));
                var cwd = new DirectoryInfo(Path.Combine(dir, "cwd")).ResolveLinkTarget(false)?.FullName;
                if (cmdline.Contains("terraform-provider-vgpu", StringComparison.Ordinal) && cwd == workDir)
                {
                    System.Diagnostics.Process.GetProcessById(pid).Kill();
                    killed++;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
            {
                // the process ended meanwhile
            }
        }

        return killed;
    }

    public void Dispose() => _tf.Dispose();
}
