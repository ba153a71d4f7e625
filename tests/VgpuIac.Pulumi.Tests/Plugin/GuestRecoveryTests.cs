using System.Text.Json.Nodes;
using VgpuIac.NodeSim;
using VgpuIac.Pulumi.Tests.Support;
using static VgpuIac.Pulumi.Tests.Support.RpcSteps;

namespace VgpuIac.Pulumi.Tests.Plugin;

/// <summary>
/// <c>vgpu:index:Guest</c> recovering through the Pulumi door: a create whose <c>qm start</c> fails keeps nothing in the
/// stack and leaves the VM with its creation claim; a plain <c>up</c> (the same create again) finishes that VM without a
/// second <c>qm create</c> and without destroying it. A VM made by hand (the tutorial's <c>qm create</c> + <c>qm set
/// --hostpci0</c>) is imported by <c>node/vmid</c> without one mutating command, and its inputs are read back.
/// </summary>
public sealed class GuestRecoveryTests
{
    private const string Guest = "vgpu:index:Guest";

    private static JsonObject Inputs(int vmid) => new()
    {
        ["node"] = NodeConfig.NodeName, ["vmid"] = vmid, ["name"] = $"vm{vmid}", ["cores"] = 2, ["memoryMb"] = 2048,
        ["mdevType"] = "nvidia-46", ["guestSetup"] = "none",
    };

    [NodeEngineFact]
    public async Task A_failed_create_is_finished_by_a_plain_up_and_a_hand_made_vm_is_imported_untouched()
    {
        await using var node = await SimulatedNode.StartAsync(new NodeOptions { Hostname = "pve-pulumi-guest-recovery" });
        await NodeSetup.InstallHostDriverByHandAsync(node);
        await node.ExecCheckedAsync("qm create 231 --name handmade --ostype l26 --machine q35 --cores 2 --memory 2048 --scsi0 local-lvm:32 --net0 virtio,bridge=vmbr0 --agent enabled=1 >/dev/null " +
            "&& qm set 231 --hostpci0 01:00.0,mdev=nvidia-46,pcie=1 >/dev/null && qm start 231 >/dev/null");
        var handMade = await node.ExecCheckedAsync("qm config 231");
        await node.FailNextAsync("^qm start 230", exitCode: 255, stderr: "start failed: QEMU exited with code 1");
        var mark = await node.CommandLogMarkAsync();

        var run = await PulumiEngine.RunAsync(
        [
            Step("configure", ("args", NodeConfig.For(node))),
            On(Guest, "g", "create", ("properties", Inputs(230))),                                      // 1 qm start fails
            On(Guest, "g", "create", ("properties", Inputs(230))),                                      // 2 the next up: the same VM finished
            On(Guest, "h", "read", ("id", $"{NodeConfig.NodeName}/231"), ("import", true)),             // 3 import of the hand-made VM
            On(Guest, "g", "delete"),                                                                   // 4
        ], timeout: TimeSpan.FromMinutes(8));

        var failed = run.Step(1);
        Assert.False(failed["ok"]!.GetValue<bool>(), "the create whose qm start failed succeeded: " + failed.ToJsonString());
        Assert.Contains("Unable to start the VM", failed["details"]?.GetValue<string>() ?? failed.ToJsonString(), StringComparison.Ordinal);

        var finished = run.Ok(2);
        Assert.Equal($"{NodeConfig.NodeName}/230", finished["id"]!.GetValue<string>());
        Assert.Equal("running", finished["properties"]!["status"]!.GetValue<string>());

        var imported = run.Ok(3);
        Assert.Equal($"{NodeConfig.NodeName}/231", imported["id"]!.GetValue<string>());
        var inputs = imported["inputs"]!.AsObject();
        Assert.Equal(231, inputs["vmid"]!.GetValue<int>());
        Assert.Equal("handmade", inputs["name"]!.GetValue<string>());
        Assert.Equal("nvidia-46", inputs["mdevType"]!.GetValue<string>());
        run.Ok(4);

        var log = await node.ReadCommandLogAsync(mark);
        Assert.Equal(1, log.Count(e => e.Text.StartsWith("qm create 230 ", StringComparison.Ordinal)));
        Assert.Equal(2, log.Count(e => e.Text.StartsWith("qm start 230", StringComparison.Ordinal)));
        Assert.Single(log, e => e.Text.StartsWith("qm destroy 230", StringComparison.Ordinal)); // the delete of step 4, nothing before
        Assert.DoesNotContain(log, e => e.Kind == CommandLogKind.ShimMutate && e.Text.Contains(" 231", StringComparison.Ordinal));
        Assert.Equal(handMade, await node.ExecCheckedAsync("qm config 231"));
        Assert.False((await node.ExecAsync("test -e /etc/pve/qemu-server/230.conf")).Succeeded, "VM 230 is left after delete");
    }
}
