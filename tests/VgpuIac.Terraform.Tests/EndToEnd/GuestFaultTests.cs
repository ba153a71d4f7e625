using System.Globalization;
using System.Text.RegularExpressions;
using VgpuIac.NodeSim;
using VgpuIac.Terraform.Tests.Convergence;
using VgpuIac.Terraform.Tests.Support;

namespace VgpuIac.Terraform.Tests.EndToEnd;

/// <summary>
/// Faults during a guest's life through the real terraform CLI, each followed by a plain apply that must converge, an
/// empty plan, and nothing that succeeded undone: the licence server unreachable while a guest is created (the create
/// fails at licensing, the VM and its driver stay; once the server is back the retry only licenses), the guest agent
/// silent past <c>agent_wait_timeout</c> (the retry, once the agent answers, sets the guest up in the same VM), and a
/// corrupt <c>profile_override.toml</c> (the apply refuses and leaves the file byte-identical; after the user fixes it, a
/// plain apply converges).
/// </summary>
[Trait("Category", "E2E")]
public sealed partial class GuestFaultTests : IDisposable
{
    private readonly TerraformLifecycle _tf = new();
    private readonly TerraformLifecycle _dls = new();
    private readonly string _files = Directory.CreateTempSubdirectory("vgpu-tf-fault-").FullName;

    private string Driver() => Path.Combine(_files, FakeGuestDriver.FileName(HandMadeNode.DriverVersion));

    private string Guest(string provider, int vmid, string extra)
    {
        var installer = Driver();
        var sha = FakeGuestDriver.Write(installer, HandMadeNode.DriverVersion);
        return provider + $$"""

            resource "vgpu_guest" "g" {
              node                = "pve1"
              vmid                = {{vmid.ToString(CultureInfo.InvariantCulture)}}
              name                = "fault-{{vmid.ToString(CultureInfo.InvariantCulture)}}"
              cores               = 2
              memory_mb           = 2048
              mdev_type_name      = "GRID P40-1Q"
              host_driver_version = "{{HandMadeNode.DriverVersion}}"
              guest_driver_source = {{HandMadeNode.Quote(installer)}}
              guest_driver_sha256 = "{{sha}}"
            {{extra}}
            }
            """;
    }

    private static string Flat(string text) => WhiteSpace().Replace(text, " ");

    private static async Task<SimulatedNode?> NodeWithDriverAsync()
    {
        Assert.True(TerraformCli.Available, "terraform must be on PATH for the end-to-end tests");
        if (await SimulatedNodes.StartOrExplainAsync(new NodeOptions { Hostname = "pve1", RebootDelay = 0.5 }) is not { } node)
        {
            return null;
        }

        await HandMadeNode.InstallHostDriverAsync(node);
        return node;
    }

    /// <summary>What the retry must not undo: the VM made once, never destroyed or restarted, the guest driver installed once.</summary>
    private static async Task AssertNothingUndoneAsync(SimulatedNode node, int mark, int vmid)
    {
        var id = vmid.ToString(CultureInfo.InvariantCulture);
        var log = await node.ReadCommandLogAsync(mark);
        Assert.Equal(1, log.Count(e => e.Text.StartsWith($"qm create {id} ", StringComparison.Ordinal)));
        Assert.Equal(1, log.Count(e => e.Text.StartsWith($"qm start {id}", StringComparison.Ordinal)));
        Assert.DoesNotContain(log, e => e.Text.StartsWith($"qm destroy {id}", StringComparison.Ordinal) || e.Text.StartsWith($"qm stop {id}", StringComparison.Ordinal));

        // the installer runs through `qm guest exec` with the checksum check of GuestScripts.InstallDriver in its
        // arguments: once, by the first apply that reached the guest
        var installs = log.Count(e => e.Text.StartsWith($"qm guest exec {id} ", StringComparison.Ordinal) && e.Text.Contains("does not match guest_driver_sha256", StringComparison.Ordinal));
        Assert.Equal(1, installs);
    }

    [NodeFact]
    public async Task Licence_server_unreachable_during_a_guests_create_then_a_plain_apply_only_licenses_it()
    {
        if (await NodeWithDriverAsync() is not { } node)
        {
            return;
        }

        await using (node)
        {
            var provider = ProviderHcl.For(("pve1", node));
            var port = LoopbackPorts.Reserve();
            _dls.WriteConfig(provider + $$"""

                resource "vgpu_dls_license_server" "dls" {
                  node       = "pve1"
                  vmid       = 250
                  ip_address = "192.0.2.50/24"
                  dls_url    = "127.0.0.1"
                  dls_port   = {{port.ToString(CultureInfo.InvariantCulture)}}
                }

                output "token" {
                  value     = vgpu_dls_license_server.dls.client_token
                  sensitive = true
                }
                """);
            await _dls.ApplyAsync();
            await File.WriteAllTextAsync(Path.Combine(_tf.WorkDir, "client.tok"), await _dls.SucceedsAsync("output", "-raw", "token"));

            // the server goes down; the guest's create installs its driver, then cannot get a licence
            await node.ExecCheckedAsync("pct stop 250");
            _tf.WriteConfig(Guest(provider, 220, """
                  license_token        = file("client.tok")
                  license_wait_timeout = "20s"
                """));
            var mark = await node.CommandLogMarkAsync();
            var (code, output) = await _tf.Cli.RunAsync("apply", "-auto-approve", "-input=false");
            Assert.True(code != 0, "the create succeeded without a reachable licence server:\n" + output);
            Assert.Contains("The guest did not become licensed", output, StringComparison.Ordinal);
            Assert.Contains("cannot reach the licence server", Flat(output), StringComparison.Ordinal);
            Assert.DoesNotContain("vgpu_guest.g", (await _tf.Cli.RunAsync("state", "list")).Output, StringComparison.Ordinal);
            Assert.Contains("status: running", await node.ExecCheckedAsync("qm status 220"), StringComparison.Ordinal);

            // the server is back (its own state starts it: stopped is not missing); a plain apply finishes the same VM
            await _dls.ApplyAsync();
            var retry = await _tf.ApplyAsync();
            Assert.Contains("will be finished", Flat(retry), StringComparison.Ordinal);
            var state = await _tf.SucceedsAsync("state", "show", "vgpu_guest.g");
            Assert.Matches("license_status\\s+= \"Licensed", state);
            await _tf.AssertNoChangesAsync("plan after the retry once the licence server is reachable");
            await _dls.AssertNoChangesAsync("the licence server's plan after the guest's retry");
            await AssertNothingUndoneAsync(node, mark, 220);

            await _tf.DestroyAsync();
            await _dls.DestroyAsync();
        }
    }

    [NodeFact]
    public async Task Guest_agent_silent_past_agent_wait_timeout_then_a_plain_apply_sets_the_same_vm_up()
    {
        if (await NodeWithDriverAsync() is not { } node)
        {
            return;
        }

        await using (node)
        {
            var provider = ProviderHcl.For(("pve1", node));
            await node.ExecCheckedAsync("touch /etc/nodesim/guest_agent_down_221");
            _tf.WriteConfig(Guest(provider, 221, "  agent_wait_timeout = \"5s\""));
            var mark = await node.CommandLogMarkAsync();
            var (code, output) = await _tf.Cli.RunAsync("apply", "-auto-approve", "-input=false");
            Assert.True(code != 0, "the create succeeded with a silent guest agent:\n" + output);
            Assert.Contains("Unable to reach the guest agent", output, StringComparison.Ordinal);
            Assert.DoesNotContain("vgpu_guest.g", (await _tf.Cli.RunAsync("state", "list")).Output, StringComparison.Ordinal);
            Assert.Contains("status: running", await node.ExecCheckedAsync("qm status 221"), StringComparison.Ordinal);

            // the agent answers again: a plain apply sets the guest up in the same VM, and the next plan is empty
            await node.ExecCheckedAsync("rm /etc/nodesim/guest_agent_down_221");
            var retry = await _tf.ApplyAsync();
            Assert.Contains("will be finished", Flat(retry), StringComparison.Ordinal);
            Assert.Matches($"guest_driver_version\\s+= \"{Regex.Escape(HandMadeNode.DriverVersion)}\"", await _tf.SucceedsAsync("state", "show", "vgpu_guest.g"));
            await _tf.AssertNoChangesAsync("plan after the retry once the guest agent answers");
            await AssertNothingUndoneAsync(node, mark, 221);
            await _tf.DestroyAsync();
        }
    }

    [NodeFact]
    public async Task A_corrupt_profile_override_toml_is_refused_byte_identical_and_converges_once_fixed()
    {
        if (await NodeWithDriverAsync() is not { } node)
        {
            return;
        }

        await using (node)
        {
            const string File = "/etc/vgpu_unlock/profile_override.toml";
            const string Corrupt = "# my overrides\n[profile.nvidia-47\ncuda_enabled = 1\n";
            await node.ExecCheckedAsync($"mkdir -p /etc/vgpu_unlock && printf '%s' '{Corrupt}' > {File}");
            var before = await node.ExecCheckedAsync($"sha256sum {File}");
            var provider = ProviderHcl.For(("pve1", node));
            _tf.WriteConfig(provider + """

                resource "vgpu_profile_override" "o" {
                  node           = "pve1"
                  mdev_type      = "nvidia-46"
                  display_width  = 1920
                  display_height = 1080
                }
                """);
            var mark = await node.CommandLogMarkAsync();
            var (code, output) = await _tf.Cli.RunAsync("apply", "-auto-approve", "-input=false");
            Assert.True(code != 0, "the apply went ahead over a corrupt profile_override.toml:\n" + output);
            Assert.Contains("profile_override.toml", output, StringComparison.Ordinal);
            Assert.Equal(before, await node.ExecCheckedAsync($"sha256sum {File}"));
            Assert.DoesNotContain(await node.ReadCommandLogAsync(mark), e => e.Kind == CommandLogKind.ShimMutate);

            // the user fixes the file; a plain apply adds our section and keeps theirs
            await node.ExecCheckedAsync($"printf '# my overrides\\n[profile.nvidia-47]\\ncuda_enabled = 1\\n' > {File}");
            await _tf.ApplyAsync();
            var file = await node.ExecCheckedAsync($"cat {File}");
            Assert.Contains("[profile.nvidia-47]\ncuda_enabled = 1", file, StringComparison.Ordinal);
            Assert.Contains("[profile.nvidia-46]", file, StringComparison.Ordinal);
            Assert.Contains("display_width = 1920", file, StringComparison.Ordinal);
            await _tf.AssertNoChangesAsync("plan after the user fixed profile_override.toml");
            await _tf.DestroyAsync();
            Assert.Contains("[profile.nvidia-47]\ncuda_enabled = 1", await node.ExecCheckedAsync($"cat {File}"), StringComparison.Ordinal);
        }
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhiteSpace();

    public void Dispose()
    {
        _tf.Dispose();
        _dls.Dispose();
        Directory.Delete(_files, recursive: true);
    }
}
