using System.Text.Json.Nodes;
using VgpuIac.NodeSim;
using VgpuIac.Pulumi.Tests.Support;
using static VgpuIac.Pulumi.Tests.Support.RpcSteps;

namespace VgpuIac.Pulumi.Tests.Plugin;

/// <summary>
/// <c>vgpu:index:HostDriver</c> through the real plugin against a simulated node: check, create (driver installed, node
/// rebooted), refresh, no-op diff, in-place diff and update (a new driver version), replacement when the node changes,
/// drift made by hand, import by node name, delete (driver uninstalled).
/// </summary>
public sealed class HostDriverLifecycleTests : IAsyncLifetime
{
    private const string HostDriver = "vgpu:index:HostDriver";
    private const string OldVersion = "535.129.03";
    private const string NewVersion = "535.154.02";
    private readonly string _dir = Directory.CreateTempSubdirectory("vgpuiac-pulumi-hd-").FullName;
    private SimulatedNode? _node;

    public async Task InitializeAsync()
    {
        if (NodeHostRequirements.WhyUnavailable() is null || Environment.GetEnvironmentVariable("CI") == "true")
        {
            _node = await SimulatedNode.StartAsync(new NodeOptions { Hostname = "pve-pulumi-hd" });
        }
    }

    public async Task DisposeAsync()
    {
        if (_node is not null)
        {
            await _node.DisposeAsync();
        }

        Directory.Delete(_dir, recursive: true);
    }

    private string Installer(string version)
    {
        var dir = Directory.CreateDirectory(Path.Combine(_dir, version)).FullName;
        return FakeInstaller.Write(dir, version);
    }

    private static JsonObject Inputs(string installer, string rebootTimeout = "2m", string node = NodeConfig.NodeName) => new()
    {
        ["node"] = node,
        ["installerSource"] = installer,
        ["installerSha256"] = FakeInstaller.Sha256(installer),
        ["rebootTimeout"] = rebootTimeout,
    };

    private static JsonObject D(string rpc, params (string Key, JsonNode? Value)[] fields) => On(HostDriver, "d", rpc, fields);

    [NodeEngineFact]
    public async Task Host_driver_lifecycle_check_create_read_diff_update_replace_drift_import_delete()
    {
        var node = _node!;
        var old = Installer(OldVersion);
        var upgrade = Installer(NewVersion);
        var bad = Inputs(old);
        bad["installerSha256"] = "not-a-checksum";
        bad["kernelCompatibility"] = "sometimes";

        var run = await PulumiEngine.RunAsync(
        [
            Step("configure", ("args", NodeConfig.For(node, NodeConfig.OtherNodeName))),
            D("check", ("news", bad)),                                                            // 1 bad inputs
            D("check", ("news", Inputs(old))),                                                    // 2
            D("create", ("properties", Inputs(old)), ("preview", true)),                          // 3 preview
            D("create", ("properties", Inputs(old))),                                             // 4
            D("read"),                                                                            // 5 refresh
            D("diff", ("news", Inputs(old))),                                                     // 6 no-op
            D("diff", ("news", Inputs(old, "5m"))),                                               // 7 in place (setting)
            D("update", ("news", Inputs(old, "5m"))),                                             // 8
            D("diff", ("news", Inputs(upgrade, "5m"))),                                           // 9 in place (new version)
            D("update", ("news", Inputs(upgrade, "5m"))),                                         // 10
            D("diff", ("news", Inputs(upgrade, "5m", NodeConfig.OtherNodeName))),                 // 11 replace
        ], timeout: TimeSpan.FromMinutes(10));

        var failures = Failures(run.Ok(1));
        Assert.Contains(failures, f => f.Property == "installerSha256" && f.Reason.Contains("SHA-256", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Property == "kernelCompatibility" && f.Reason.Contains("sometimes", StringComparison.Ordinal));
        Assert.Empty(Failures(run.Ok(2)));
        Assert.Equal(OldVersion, run.Ok(3)["properties"]!["installedVersion"]!.GetValue<string>());

        var created = run.Ok(4);
        Assert.Equal(NodeConfig.NodeName, created["id"]!.GetValue<string>());
        var state = created["properties"]!.AsObject();
        Assert.Equal(OldVersion, state["installedVersion"]!.GetValue<string>());
        Assert.Equal(OldVersion, state["version"]!.GetValue<string>());
        Assert.Equal("ok", state["health"]!.GetValue<string>());
        Assert.False(state["rebootRequired"]!.GetValue<bool>());
        Assert.Equal(FakeInstaller.Sha256(old), state["installerSha256"]!.GetValue<string>());
        Assert.Contains("GRID P40-1Q", await node.ExecCheckedAsync("mdevctl types"), StringComparison.Ordinal);

        var refreshed = run.Ok(5);
        Assert.Equal(NodeConfig.NodeName, refreshed["id"]!.GetValue<string>());
        AssertSameState(state, refreshed["properties"]!.AsObject(), "rebootPlanned"); // rebootPlanned: "false after a refresh"
        Assert.False(refreshed["properties"]!["rebootPlanned"]!.GetValue<bool>());

        var noop = run.Ok(6);
        Assert.Equal("DIFF_NONE", noop["changes"]!.GetValue<string>());
        Assert.Empty(noop["diffs"]!.AsArray());

        var setting = run.Ok(7);
        Assert.Equal("DIFF_SOME", setting["changes"]!.GetValue<string>());
        Assert.Equal(["rebootTimeout"], Names(setting["diffs"]));
        Assert.Empty(setting["replaces"]!.AsArray());
        Assert.Equal("UPDATE", setting["detailedDiff"]!["rebootTimeout"]!["kind"]!.GetValue<string>());
        Assert.Equal("5m", run.Ok(8)["properties"]!["rebootTimeout"]!.GetValue<string>());

        var version = run.Ok(9);
        Assert.Equal("DIFF_SOME", version["changes"]!.GetValue<string>());
        Assert.Contains("installerSource", Names(version["diffs"]));
        Assert.Contains("installerSha256", Names(version["diffs"]));
        Assert.Empty(version["replaces"]!.AsArray()); // a new driver version is installed in place (the old one is uninstalled first)
        var upgraded = run.Ok(10)["properties"]!.AsObject();
        Assert.Equal(NewVersion, upgraded["installedVersion"]!.GetValue<string>());
        Assert.Equal("ok", upgraded["health"]!.GetValue<string>());

        var replace = run.Ok(11);
        Assert.Equal(["node"], Names(replace["replaces"]));
        Assert.Equal("UPDATE_REPLACE", replace["detailedDiff"]!["node"]!["kind"]!.GetValue<string>());
        Assert.False(replace["deleteBeforeReplace"]!.GetValue<bool>()); // the definition does not ask for it

        var log = await node.ReadCommandLogAsync();
        Assert.Contains(log.During(run, 4), NodeConfig.IsMutating);
        foreach (var step in new[] { 1, 2, 3, 5, 6, 7, 9, 11 })
        {
            Assert.DoesNotContain(log.During(run, step), NodeConfig.IsMutating);
        }

        // Drift by hand: the vGPU manager stopped. A refresh (new plugin process) shows the driver degraded.
        await node.ExecCheckedAsync("systemctl stop nvidia-vgpu-mgr.service");
        var upgradedInputs = Inputs(upgrade, "5m");
        var run2 = await PulumiEngine.RunAsync(
        [
            Step("configure", ("args", NodeConfig.For(node))),
            D("read", ("id", NodeConfig.NodeName), ("properties", upgraded.DeepClone()), ("inputs", upgradedInputs.DeepClone())), // 1 drift
            On(HostDriver, "imported", "read", ("id", NodeConfig.NodeName), ("import", true)),                                        // 2 import
            D("diff", ("news", upgradedInputs.DeepClone())),                                                                            // 3 after drift
            D("delete"),                                                                                                                // 4
            On(HostDriver, "imported", "read"),                                                                                         // 5 gone
        ], timeout: TimeSpan.FromMinutes(6));

        var drifted = run2.Ok(1)["properties"]!.AsObject();
        Assert.StartsWith("degraded", drifted["health"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(NewVersion, drifted["installedVersion"]!.GetValue<string>());

        var imported = run2.Ok(2);
        Assert.Equal(NodeConfig.NodeName, imported["id"]!.GetValue<string>());
        var importedInputs = imported["inputs"]!.AsObject();
        Assert.Equal(NodeConfig.NodeName, importedInputs["node"]!.GetValue<string>());
        Assert.Equal(NewVersion, importedInputs["version"]!.GetValue<string>());
        Assert.Equal(FakeInstaller.Sha256(upgrade), importedInputs["installerSha256"]!.GetValue<string>());
        Assert.False(importedInputs.ContainsKey("installedVersion"), "outputs are not inputs");

        run2.Ok(4);
        Assert.False((await node.ExecAsync("test -e /usr/bin/nvidia-vgpu-mgr")).Succeeded, "the driver is uninstalled");
        Assert.False((await node.ExecAsync("test -e /var/lib/vgpu-iac/host-driver.env")).Succeeded);
        Assert.Equal(string.Empty, run2.Ok(5)["id"]!.GetValue<string>());

        var pem = node.PrivateKeyPem.Split('\n')[1];
        Assert.DoesNotContain(pem, run.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(pem, run2.ToString(), StringComparison.Ordinal);
    }
}
