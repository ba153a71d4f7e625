using System.Text.Json.Nodes;
using VgpuIac.NodeSim;
using VgpuIac.Pulumi.Tests.Support;
using static VgpuIac.Pulumi.Tests.Support.RpcSteps;

namespace VgpuIac.Pulumi.Tests.Plugin;

/// <summary>
/// <c>vgpu:index:Guest</c> through the real plugin against a simulated node (host driver installed by hand, a licence
/// server created through the plugin, a GRID guest driver uploaded): check (including integer properties), create (VM
/// with a vGPU, guest driver, licence), refresh, no-op diff, in-place update, replacement (delete before replace),
/// drift made by hand, import by <c>node/vmid</c>, delete. The licence token stays a secret all the way.
/// </summary>
public sealed class GuestLifecycleTests : IAsyncLifetime
{
    private const string Guest = "vgpu:index:Guest";
    private const string Dls = "vgpu:index:DlsLicenseServer";
    private const int Vmid = 200;
    private readonly string _dir = Directory.CreateTempSubdirectory("vgpuiac-pulumi-guest-").FullName;
    private SimulatedNode? _node;

    public async Task InitializeAsync()
    {
        if (NodeHostRequirements.WhyUnavailable() is null || Environment.GetEnvironmentVariable("CI") == "true")
        {
            _node = await SimulatedNode.StartAsync(new NodeOptions { Hostname = "pve-pulumi-guest" });
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

    private static JsonObject G(string rpc, params (string Key, JsonNode? Value)[] fields) => On(Guest, "g", rpc, fields);

    [NodeEngineFact]
    public async Task Guest_lifecycle_check_create_read_diff_update_replace_drift_import_delete()
    {
        var node = _node!;
        await NodeSetup.InstallHostDriverByHandAsync(node);
        var driver = Path.Combine(_dir, FakeGuestDriver.FileName(NodeSetup.HostDriverVersion));
        var driverSha = FakeGuestDriver.Write(driver, NodeSetup.HostDriverVersion);

        // The licence server, through the plugin: its client token is what the guest installs.
        var dlsInputs = new JsonObject
        {
            ["node"] = NodeConfig.NodeName, ["vmid"] = 250, ["ipAddress"] = "192.0.2.50/24", ["gateway"] = "192.0.2.1",
            ["dlsUrl"] = "127.0.0.1", ["dlsPort"] = LoopbackPorts.Reserve(),
        };
        var dlsRun = await PulumiEngine.RunAsync(
        [
            Step("configure", ("args", NodeConfig.For(node))),
            On(Dls, "dls", "create", ("properties", dlsInputs.DeepClone())),
        ], timeout: TimeSpan.FromMinutes(6));
        var dls = dlsRun.Ok(1);
        var token = dls["properties"]!["clientToken"]!;
        Assert.True(PulumiEngine.IsSecret(token));
        var tokenText = token["value"]!.GetValue<string>();

        JsonObject Inputs(int vmid = Vmid, int cores = 2, JsonNode? coresValue = null)
        {
            return new JsonObject
            {
                ["node"] = NodeConfig.NodeName, ["vmid"] = vmid, ["name"] = $"vm{vmid}", ["mdevTypeName"] = "GRID P40-1Q",
                ["cores"] = coresValue ?? cores, ["memoryMb"] = 2048,
                ["guestDriverSource"] = driver, ["guestDriverSha256"] = driverSha, ["hostDriverVersion"] = NodeSetup.HostDriverVersion,
                ["licenseToken"] = token.DeepClone(), ["licenseWaitTimeout"] = "2m",
            };
        }

        var fraction = Inputs(coresValue: 2.5);
        var badName = Inputs();
        badName["name"] = "not a dns name!";
        badName["vmid"] = 99;

        var run = await PulumiEngine.RunAsync(
        [
            Step("configure", ("args", NodeConfig.For(node))),
            G("check", ("news", fraction)),                                  // 1 an integer property with a fraction
            G("check", ("news", badName)),                                   // 2 validators
            G("check", ("news", Inputs())),                                  // 3
            G("create", ("properties", Inputs()), ("preview", true)),        // 4 preview
            G("create", ("properties", Inputs())),                           // 5
            G("read"),                                                       // 6 refresh
            G("diff", ("news", Inputs())),                                   // 7 no-op
            G("diff", ("news", Inputs(cores: 4))),                           // 8 in place
            G("update", ("news", Inputs(cores: 4))),                         // 9
            G("diff", ("news", Inputs(vmid: 201, cores: 4))),                // 10 replace
        ], timeout: TimeSpan.FromMinutes(8));

        var integer = Assert.Single(Failures(run.Ok(1)));
        Assert.Equal("cores", integer.Property);
        Assert.Contains("integer", integer.Reason, StringComparison.Ordinal);
        var invalid = Failures(run.Ok(2));
        Assert.Contains(invalid, f => f.Property == "name" && f.Reason.Contains("not a dns name!", StringComparison.Ordinal));
        Assert.Contains(invalid, f => f.Property == "vmid" && f.Reason.Contains("whole number from 100", StringComparison.Ordinal));
        Assert.Empty(Failures(run.Ok(3)));
        Assert.True(PulumiEngine.IsSecret(run.Ok(4)["properties"]!["licenseToken"]));

        var created = run.Ok(5);
        Assert.Equal($"{NodeConfig.NodeName}/{Vmid}", created["id"]!.GetValue<string>());
        var state = created["properties"]!.AsObject();
        Assert.True(PulumiEngine.IsSecret(state["licenseToken"]), "the licence token comes back as a secret");
        Assert.Equal("running", state["status"]!.GetValue<string>());
        Assert.Equal("nvidia-46", state["mdevType"]!.GetValue<string>());
        Assert.StartsWith("Licensed", state["licenseStatus"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(NodeSetup.HostDriverVersion, state["guestDriverVersion"]!.GetValue<string>());
        Assert.Equal(2, state["cores"]!.GetValue<int>());

        var refreshed = run.Ok(6);
        Assert.Equal($"{NodeConfig.NodeName}/{Vmid}", refreshed["id"]!.GetValue<string>());
        AssertSameState(state, refreshed["properties"]!.AsObject());
        Assert.True(PulumiEngine.IsSecret(refreshed["inputs"]!["licenseToken"]));

        Assert.Equal("DIFF_NONE", run.Ok(7)["changes"]!.GetValue<string>());

        var inPlace = run.Ok(8);
        Assert.Equal("DIFF_SOME", inPlace["changes"]!.GetValue<string>());
        Assert.Equal(["cores"], Names(inPlace["diffs"]));
        Assert.Empty(inPlace["replaces"]!.AsArray());
        Assert.Equal("UPDATE", inPlace["detailedDiff"]!["cores"]!["kind"]!.GetValue<string>());
        var updated = run.Ok(9)["properties"]!.AsObject();
        Assert.Equal(4, updated["cores"]!.GetValue<int>());
        Assert.True(PulumiEngine.IsSecret(updated["licenseToken"]));
        Assert.Contains("cores: 4", await node.ExecCheckedAsync($"qm config {Vmid}"), StringComparison.Ordinal); // the plan ends with the update

        var replace = run.Ok(10);
        Assert.Contains("vmid", Names(replace["replaces"]));
        Assert.Equal("UPDATE_REPLACE", replace["detailedDiff"]!["vmid"]!["kind"]!.GetValue<string>());
        Assert.True(replace["deleteBeforeReplace"]!.GetValue<bool>(), "the guest definition asks for delete-before-replace (the vGPU instance must be freed first)");

        var log = await node.ReadCommandLogAsync();
        Assert.Contains(log.During(run, 5), NodeConfig.IsMutating);
        foreach (var step in new[] { 1, 2, 3, 4, 6, 7, 8, 10 })
        {
            Assert.DoesNotContain(log.During(run, step), NodeConfig.IsMutating);
        }

        // Drift by hand: memory changed with qm. A refresh (new plugin process) shows it; the import recovers the inputs.
        await node.ExecCheckedAsync($"qm set {Vmid} --memory 4096");
        var inputs = Inputs(cores: 4);
        var run2 = await PulumiEngine.RunAsync(
        [
            Step("configure", ("args", NodeConfig.For(node))),
            G("read", ("id", $"{NodeConfig.NodeName}/{Vmid}"), ("properties", updated.DeepClone()), ("inputs", inputs.DeepClone())), // 1 drift
            G("diff", ("news", inputs.DeepClone())),                                                                                    // 2 drift shows as a diff
            On(Guest, "imported", "read", ("id", $"{NodeConfig.NodeName}/{Vmid}"), ("import", true)),                                  // 3 import
            G("delete"),                                                                                                                // 4
            On(Dls, "dls", "delete", ("id", dls["id"]!.GetValue<string>()), ("properties", dls["properties"]!.DeepClone()), ("oldInputs", dlsInputs.DeepClone())), // 5
        ], timeout: TimeSpan.FromMinutes(6));

        var drifted = run2.Ok(1);
        Assert.Equal(4096, drifted["properties"]!["memoryMb"]!.GetValue<int>());
        Assert.Equal(4096, drifted["inputs"]!["memoryMb"]!.GetValue<int>());
        Assert.True(PulumiEngine.IsSecret(drifted["properties"]!["licenseToken"]));
        var driftDiff = run2.Ok(2);
        Assert.Equal(["memoryMb"], Names(driftDiff["diffs"]));

        var imported = run2.Ok(3);
        Assert.Equal($"{NodeConfig.NodeName}/{Vmid}", imported["id"]!.GetValue<string>());
        var importedInputs = imported["inputs"]!.AsObject();
        Assert.Equal(Vmid, importedInputs["vmid"]!.GetValue<int>());
        Assert.Equal($"vm{Vmid}", importedInputs["name"]!.GetValue<string>());
        Assert.Equal(4, importedInputs["cores"]!.GetValue<int>());
        Assert.Equal(4096, importedInputs["memoryMb"]!.GetValue<int>());
        Assert.Equal("nvidia-46", importedInputs["mdevType"]!.GetValue<string>());
        Assert.False(importedInputs.ContainsKey("licenseStatus"), "outputs are not inputs");

        run2.Ok(4);
        Assert.False((await node.ExecAsync($"qm config {Vmid}")).Succeeded, "the VM is destroyed");
        Assert.Equal(string.Empty, (await node.ExecCheckedAsync("ls /sys/bus/mdev/devices")).Trim());
        run2.Ok(5);
        Assert.False((await node.ExecAsync("test -e /etc/pve/lxc/250.conf")).Succeeded);

        var pem = node.PrivateKeyPem.Split('\n')[1];
        foreach (var r in new[] { dlsRun, run, run2 })
        {
            Assert.DoesNotContain(pem, r.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain(tokenText, r.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain(r.Logs, l => l!["message"]!.GetValue<string>().Contains(tokenText, StringComparison.Ordinal));
        }

        Assert.DoesNotContain(await node.ReadCommandLogAsync(), e => e.Text.Contains(tokenText, StringComparison.Ordinal));
    }
}
