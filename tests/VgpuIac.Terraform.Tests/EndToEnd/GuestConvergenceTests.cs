using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using VgpuIac.NodeSim;
using VgpuIac.Terraform.Tests.Support;

namespace VgpuIac.Terraform.Tests.EndToEnd;

/// <summary>
/// vgpu_guest converges on every lifecycle path, through the real terraform CLI on a simulated node: an update of cores
/// sends only cores (the NIC keeps its MAC, the VM its SMBIOS UUID), <c>-replace</c> and a forcing attribute
/// (disk_size_gb) recreate the VM at the same vmid, a create whose <c>qm start</c> failed once or that was interrupted
/// by SIGINT is finished by a plain apply, a configuration holding a guest that can never be created can be destroyed,
/// and the tutorial's hand-made VM is imported without one mutating command on the node.
/// </summary>
[Trait("Category", "E2E")]
public sealed partial class GuestConvergenceTests : IDisposable
{
    private const string Version = "535.129.03";

    private readonly TerraformLifecycle _tf = new();

    private static string Guest(string provider, string name, int vmid, string extra = "", string type = "nvidia-46") => provider + Block(name, vmid, extra, type);

    private static string Block(string name, int vmid, string extra = "", string type = "nvidia-46") => $$"""

        resource "vgpu_guest" "{{name}}" {
          node                = "pve1"
          vmid                = {{vmid.ToString(CultureInfo.InvariantCulture)}}
          name                = "vm{{vmid.ToString(CultureInfo.InvariantCulture)}}"
          cores               = 4
          memory_mb           = 4096
          mdev_type           = "{{type}}"
          host_driver_version = "{{Version}}"
        {{extra}}
        }
        """;

    /// <summary>A node whose host driver was installed by hand (the tutorial's steps), so it offers vGPU types.</summary>
    private static async Task<SimulatedNode?> NodeWithDriverAsync()
    {
        Assert.True(TerraformCli.Available, "terraform must be on PATH for the end-to-end tests");
        if (await SimulatedNodes.StartOrExplainAsync(new NodeOptions { Hostname = "pve1", RebootDelay = 0.5 }) is not { } node)
        {
            return null;
        }

        await HandMadeNode.InstallHostDriverAsync(node, version: Version);
        return node;
    }

    private static async Task<string> QmConfigAsync(SimulatedNode node, int vmid) => await node.ExecCheckedAsync($"qm config {vmid.ToString(CultureInfo.InvariantCulture)}");

    private static string Line(string config, string key) =>
        config.Split('\n').FirstOrDefault(l => l.StartsWith(key + ": ", StringComparison.Ordinal)) ?? throw new Xunit.Sdk.XunitException($"no {key} in:\n{config}");

    private static async Task<List<string>> MutationsSinceAsync(SimulatedNode node, int mark) =>
        [.. (await node.ReadCommandLogAsync(mark)).Where(e => e.Kind == CommandLogKind.ShimMutate).Select(e => e.Text)];

    [Fact]
    public async Task An_update_sends_only_what_changed_and_replace_or_a_forcing_attribute_recreates_the_vm()
    {
        if (await NodeWithDriverAsync() is not { } node)
        {
            return;
        }

        await using (node)
        {
            var provider = ProviderHcl.For(("pve1", node));
            _tf.WriteConfig(Guest(provider, "g", 200));
            await _tf.ApplyAsync();
            var created = await QmConfigAsync(node, 200);
            Assert.Contains("tags: vgpuiac", created, StringComparison.Ordinal);
            var net0 = Line(created, "net0");
            var smbios = Line(created, "smbios1");
            var mac = MacPattern().Match(net0).Value;
            Assert.Contains(mac, await _tf.SucceedsAsync("state", "show", "vgpu_guest.g"), StringComparison.Ordinal);

            // cores: qm set sends cores and nothing else; the NIC keeps its MAC, the VM its SMBIOS UUID; no restart
            _tf.WriteConfig(Guest(provider, "g", 200).Replace("cores               = 4", "cores               = 2", StringComparison.Ordinal));
            var update = await _tf.PlanWithChangesAsync();
            Assert.DoesNotContain("will be restarted", update, StringComparison.Ordinal);
            var mark = await node.CommandLogMarkAsync();
            await _tf.ApplyAsync();
            Assert.Equal(["qm set 200 --cores 2"], await MutationsSinceAsync(node, mark));
            var updated = await QmConfigAsync(node, 200);
            Assert.Equal(net0, Line(updated, "net0"));
            Assert.Equal(smbios, Line(updated, "smbios1"));
            await _tf.AssertNoChangesAsync("plan after the update of cores");

            // -replace: the old VM goes first, the new one is created at the same vmid (a new SMBIOS UUID says it is new)
            await _tf.SucceedsAsync("apply", "-auto-approve", "-input=false", "-replace=vgpu_guest.g");
            var replaced = await QmConfigAsync(node, 200);
            Assert.NotEqual(smbios, Line(replaced, "smbios1"));
            Assert.Contains("tags: vgpuiac", replaced, StringComparison.Ordinal);
            await _tf.AssertNoChangesAsync("plan after -replace");

            // a ForcesReplacement attribute (disk_size_gb 32 -> 40) replaces the VM the same way
            _tf.WriteConfig(Guest(provider, "g", 200, "  disk_size_gb = 40").Replace("cores               = 4", "cores               = 2", StringComparison.Ordinal));
            var force = await _tf.PlanWithChangesAsync();
            Assert.Contains("must be replaced", force, StringComparison.Ordinal);
            await _tf.ApplyAsync();
            Assert.Contains("size=40G", Line(await QmConfigAsync(node, 200), "scsi0"), StringComparison.Ordinal);
            await _tf.AssertNoChangesAsync("plan after the disk_size_gb replacement");

            await _tf.DestroyAsync();
            Assert.False((await node.ExecAsync("test -e /etc/pve/qemu-server/200.conf")).ExitCode == 0, "VM 200 is still there after destroy");
        }
    }

    [Fact]
    public async Task A_create_whose_qm_start_failed_once_or_that_was_interrupted_is_finished_by_a_plain_apply()
    {
        if (await NodeWithDriverAsync() is not { } node)
        {
            return;
        }

        await using (node)
        {
            var provider = ProviderHcl.For(("pve1", node));

            // qm start fails once: the apply fails, the VM stays on the node (not in the state: a tainted state would make the
            // next apply destroy it); a plain apply finishes that VM without creating it again
            _tf.WriteConfig(Guest(provider, "g", 200));
            await node.FailNextAsync("^qm start 200", exitCode: 255, stderr: "start failed: QEMU exited with code 1");
            var failedMark = await node.CommandLogMarkAsync();
            var (code, output) = await _tf.Cli.RunAsync("apply", "-auto-approve", "-input=false");
            Assert.True(code != 0, "the apply whose qm start failed succeeded:\n" + output);
            Assert.Contains("Unable to start the VM", output, StringComparison.Ordinal);
            Assert.DoesNotContain("vgpu_guest.g", (await _tf.Cli.RunAsync("state", "list")).Output, StringComparison.Ordinal);
            var retry = await _tf.ApplyAsync();
            Assert.DoesNotContain("already exists", retry, StringComparison.Ordinal);
            Assert.Contains("will be finished", retry, StringComparison.Ordinal);
            var log = await node.ReadCommandLogAsync(failedMark);
            Assert.Equal(1, log.Count(e => e.Text.StartsWith("qm create 200", StringComparison.Ordinal)));
            Assert.DoesNotContain(log, e => e.Text.StartsWith("qm destroy 200", StringComparison.Ordinal));
            Assert.Contains("status: running", await node.ExecCheckedAsync("qm status 200"), StringComparison.Ordinal);
            await _tf.AssertNoChangesAsync("plan after the retry of a failed qm start");

            // SIGINT to terraform while the VM is being created (qm start is slow): whatever terraform kept, a plain apply
            // finishes the VM without "already exists" and without a second VM
            _tf.WriteConfig(Guest(provider, "g", 200) + Block("h", 201));
            await node.DelayAsync("^qm start 201", 15, once: true);
            var mark = await node.CommandLogMarkAsync();
            var interrupted = await InterruptAsync(node, mark, "qm create 201");
            Assert.True(interrupted.ExitCode != 0 || interrupted.Output.Contains("Interrupt received", StringComparison.Ordinal), interrupted.Output);
            Assert.True((await node.ExecAsync("test -e /etc/pve/qemu-server/201.conf")).ExitCode == 0, "the interrupted create left no VM 201:\n" + interrupted.Output);
            var finished = await _tf.ApplyAsync();
            Assert.DoesNotContain("already exists", finished, StringComparison.Ordinal);
            Assert.Contains("status: running", await node.ExecCheckedAsync("qm status 201"), StringComparison.Ordinal);
            Assert.Equal(1, (await node.ReadCommandLogAsync(mark)).Count(e => e.Text.StartsWith("qm create 201", StringComparison.Ordinal)));
            await _tf.AssertNoChangesAsync("plan after finishing the interrupted create");

            await _tf.DestroyAsync();
            Assert.Equal(string.Empty, (await node.ExecCheckedAsync("ls /etc/pve/qemu-server")).Trim());
        }
    }

    /// <summary>Runs <c>terraform apply</c>, sends it SIGINT once the node's log shows <paramref name="trigger"/>, waits for it to end.</summary>
    private async Task<(int ExitCode, string Output)> InterruptAsync(SimulatedNode node, int mark, string trigger)
    {
        var info = new ProcessStartInfo("terraform") { WorkingDirectory = _tf.WorkDir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "apply", "-auto-approve", "-input=false", "-no-color" })
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["TF_CLI_CONFIG_FILE"] = _tf.Cli.CliConfig;
        info.Environment["TF_IN_AUTOMATION"] = "1";
        info.Environment["CHECKPOINT_DISABLE"] = "1";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (!(await node.ReadCommandLogAsync(mark)).Any(e => e.Text.StartsWith(trigger, StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < deadline && !process.HasExited, $"\"{trigger}\" never ran:\n{(process.HasExited ? await stdout + await stderr : string.Empty)}");
            await Task.Delay(100);
        }

        using (var kill = Process.Start("kill", ["-INT", process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    [Fact]
    public async Task A_configuration_holding_a_guest_that_can_never_be_created_can_be_destroyed()
    {
        if (await NodeWithDriverAsync() is not { } node)
        {
            return;
        }

        await using (node)
        {
            // GRID P40-24Q (nvidia-53) has one instance per P40: the second guest can never get one
            var provider = ProviderHcl.For(("pve1", node));
            _tf.WriteConfig(Guest(provider, "a", 210, type: "nvidia-53") + Block("b", 211, "  depends_on = [vgpu_guest.a]", "nvidia-53"));
            var (code, output) = await _tf.Cli.RunAsync("apply", "-auto-approve", "-input=false");
            Assert.True(code != 0, "a second 24Q guest was created:\n" + output);
            Assert.Contains("No free vGPU instance", output, StringComparison.Ordinal);
            Assert.False((await node.ExecAsync("test -e /etc/pve/qemu-server/211.conf")).ExitCode == 0, "the refused guest left a VM");

            var destroy = await _tf.DestroyAsync();
            Assert.Contains("Destroy complete!", destroy, StringComparison.Ordinal);
            Assert.Equal(string.Empty, (await node.ExecCheckedAsync("ls /etc/pve/qemu-server")).Trim());
        }
    }

    [Fact]
    public async Task The_tutorials_hand_made_vm_is_imported_without_one_mutating_command()
    {
        if (await NodeWithDriverAsync() is not { } node)
        {
            return;
        }

        await using (node)
        {
            // the tutorial: qm create, then qm set --hostpci0 with the short address, then qm start (not through the provider)
            await node.ExecCheckedAsync("qm create 200 --name vgpu-ubuntu --ostype l26 --machine q35 --bios ovmf --efidisk0 local-lvm:1,efitype=4m,pre-enrolled-keys=0 " +
                "--cpu host --cores 4 --memory 4096 --scsihw virtio-scsi-single --scsi0 local-lvm:32,iothread=1 --net0 virtio,bridge=vmbr0 --agent enabled=1 >/dev/null");
            await node.ExecCheckedAsync("qm set 200 --hostpci0 01:00.0,mdev=nvidia-46,pcie=1 >/dev/null && qm start 200 >/dev/null");
            var before = await QmConfigAsync(node, 200);
            var provider = ProviderHcl.For(("pve1", node));
            var config = provider + """

                resource "vgpu_guest" "tutorial" {
                  node      = "pve1"
                  vmid      = 200
                  name      = "vgpu-ubuntu"
                  cores     = 4
                  memory_mb = 4096
                  mdev_type = "nvidia-46"
                  gpu       = "0000:01:00.0"
                }
                """;
            _tf.WriteConfig(config + ProviderHcl.ImportBlock("vgpu_guest.tutorial", "pve1/200"));
            var mark = await node.CommandLogMarkAsync();
            var plan = await _tf.SucceedsAsync("plan", "-input=false");
            Assert.Contains("Plan: 1 to import, 0 to add, 0 to change, 0 to destroy.", plan, StringComparison.Ordinal);
            Assert.DoesNotContain("will be restarted", plan, StringComparison.Ordinal);
            await _tf.ApplyAsync();
            _tf.WriteConfig(config);
            await _tf.AssertNoChangesAsync("plan after importing the tutorial's VM");

            Assert.Empty(await MutationsSinceAsync(node, mark));
            Assert.Equal(before, await QmConfigAsync(node, 200));
            Assert.Contains("status: running", await node.ExecCheckedAsync("qm status 200"), StringComparison.Ordinal);
            var state = await _tf.SucceedsAsync("state", "show", "vgpu_guest.tutorial");
            Assert.Contains(MacPattern().Match(Line(before, "net0")).Value, state, StringComparison.Ordinal);
        }
    }

    [GeneratedRegex("[0-9A-F]{2}(:[0-9A-F]{2}){5}")]
    private static partial Regex MacPattern();

    public void Dispose() => _tf.Dispose();
}
