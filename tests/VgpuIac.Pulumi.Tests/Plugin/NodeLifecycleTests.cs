using System.Text.Json.Nodes;
using VgpuIac.NodeSim;
using VgpuIac.Pulumi.Tests.Support;

namespace VgpuIac.Pulumi.Tests.Plugin;

/// <summary>
/// The plugin against a simulated PVE node over real SSH, driven by the Node engine client: configuration, the
/// lifecycle of a resource (create, no-op diff, in-place update, replacement, refresh, import, delete), previews that
/// run no mutating command, and secrets that stay secrets.
/// </summary>
public sealed class NodeLifecycleTests : IAsyncLifetime
{
    private const string ProfileOverride = "vgpu:index:ProfileOverride";
    private SimulatedNode? _node;

    public async Task InitializeAsync()
    {
        if (NodeHostRequirements.WhyUnavailable() is null || Environment.GetEnvironmentVariable("CI") == "true")
        {
            _node = await SimulatedNode.StartAsync(new NodeOptions { Hostname = "pve-pulumi" });
        }
    }

    public async Task DisposeAsync()
    {
        if (_node is not null)
        {
            await _node.DisposeAsync();
        }
    }

    private static JsonObject Step(string rpc, params (string Key, JsonNode? Value)[] fields)
    {
        var o = new JsonObject { ["rpc"] = rpc };
        foreach (var (k, v) in fields)
        {
            o[k] = v;
        }

        return o;
    }

    private static JsonObject Override(int vmid, int displays, JsonNode? cardName = null)
    {
        var o = new JsonObject { ["vmid"] = vmid, ["numDisplays"] = displays, ["displayWidth"] = 1920, ["displayHeight"] = 1080 };
        if (cardName is not null)
        {
            o["cardName"] = cardName;
        }

        return o;
    }

    private static JsonObject Res(string rpc, string key, JsonObject value, params (string Key, JsonNode? Value)[] more) =>
        Step(rpc, [("type", ProfileOverride), ("name", "o1"), (key, value), .. more]);

    [NodeEngineFact]
    public async Task Configures_against_the_node_and_previews_run_no_mutating_command()
    {
        var node = _node!;
        var config = NodeConfig.For(node);
        var run = await PulumiEngine.RunAsync(
        [
            Step("handshake"),
            Step("checkConfig", ("news", config.DeepClone())),
            Step("configure", ("args", config.DeepClone())),
            Res("check", "news", Override(104, 1)),
            Res("create", "properties", Override(104, 1), ("preview", true)),
            Step("invoke", ("tok", "vgpu:index:getNode"), ("args", new JsonObject { ["node"] = NodeConfig.NodeName }), ("preview", true)),
        ]);
        Assert.Empty(run.Ok(1)["failures"]!.AsArray());
        var configure = run.Ok(2);
        Assert.True(configure["acceptSecrets"]!.GetValue<bool>());
        Assert.True(configure["supportsPreview"]!.GetValue<bool>());
        Assert.Empty(run.Ok(3)["failures"]!.AsArray());
        var preview = run.Ok(4);
        Assert.Equal(string.Empty, preview["id"]!.GetValue<string>());
        Assert.Equal(104, preview["properties"]!["vmid"]!.GetValue<int>());
        var facts = run.Ok(5);
        Assert.Empty(facts["failures"]!.AsArray());
        Assert.NotNull(facts["return"]);

        var log = await node.ReadCommandLogAsync();
        Assert.DoesNotContain(log.During(run, 4), NodeConfig.IsMutating);
        Assert.DoesNotContain(log.During(run, 5), NodeConfig.IsMutating);
        Assert.Equal(string.Empty, (await node.ExecCheckedAsync("cat /etc/vgpu_unlock/profile_override.toml 2>/dev/null || true")).Trim());

        var pem = node.PrivateKeyPem.Split('\n')[1];
        Assert.DoesNotContain(pem, run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(run.Logs, l => l!["message"]!.GetValue<string>().Contains(pem, StringComparison.Ordinal));
    }

    [NodeEngineFact]
    public async Task Profile_override_lifecycle_create_noop_update_replace_refresh_import_delete()
    {
        var node = _node!;
        var config = NodeConfig.For(node);
        var secretName = PulumiEngine.Secret("GRID P40-1Q");
        var run = await PulumiEngine.RunAsync(
        [
            Step("configure", ("args", config)),
            Res("create", "properties", Override(104, 1, secretName.DeepClone())),                                  // 1
            Res("diff", "news", Override(104, 1, "GRID P40-1Q")),                                                    // 2 no-op (plain vs secret)
            Res("diff", "news", Override(104, 2, secretName.DeepClone())),                                            // 3 in place
            Res("update", "news", Override(104, 2, secretName.DeepClone()), ("preview", true)),                      // 4 preview
            Res("update", "news", Override(104, 2, secretName.DeepClone())),                                          // 5
            Res("diff", "news", Override(105, 2, secretName.DeepClone())),                                            // 6 replace
            Step("read", ("type", ProfileOverride), ("name", "o1")),                                                  // 7 refresh
            Step("read", ("type", ProfileOverride), ("name", "imported"), ("id", $"{NodeConfig.NodeName}/vm.104"), ("import", true)), // 8 import
            Step("delete", ("type", ProfileOverride), ("name", "o1")),                                                // 9
            Step("read", ("type", ProfileOverride), ("name", "imported")),                                            // 10 gone
        ]);

        var created = run.Ok(1);
        Assert.Equal($"{NodeConfig.NodeName}/vm.104", created["id"]!.GetValue<string>());
        Assert.Equal(1, created["properties"]!["numDisplays"]!.GetValue<int>());
        Assert.True(PulumiEngine.IsSecret(created["properties"]!["cardName"]), "a secret input comes back as a secret output");
        Assert.Equal("vm.104", created["properties"]!["section"]!.GetValue<string>());

        Assert.Equal("DIFF_NONE", run.Ok(2)["changes"]!.GetValue<string>());

        var inPlace = run.Ok(3);
        Assert.Equal("DIFF_SOME", inPlace["changes"]!.GetValue<string>());
        Assert.Equal(["numDisplays"], inPlace["diffs"]!.AsArray().Select(d => d!.GetValue<string>()));
        Assert.Empty(inPlace["replaces"]!.AsArray());
        Assert.Equal("UPDATE", inPlace["detailedDiff"]!["numDisplays"]!["kind"]!.GetValue<string>());

        Assert.Equal(2, run.Ok(4)["properties"]!["numDisplays"]!.GetValue<int>());
        var updated = run.Ok(5);
        Assert.Equal(2, updated["properties"]!["numDisplays"]!.GetValue<int>());
        Assert.True(PulumiEngine.IsSecret(updated["properties"]!["cardName"]));

        var replace = run.Ok(6);
        Assert.Contains("vmid", replace["replaces"]!.AsArray().Select(d => d!.GetValue<string>()));
        Assert.Equal("UPDATE_REPLACE", replace["detailedDiff"]!["vmid"]!["kind"]!.GetValue<string>());

        var refreshed = run.Ok(7);
        Assert.Equal($"{NodeConfig.NodeName}/vm.104", refreshed["id"]!.GetValue<string>());
        Assert.True(PulumiEngine.IsSecret(refreshed["properties"]!["cardName"]));
        Assert.True(PulumiEngine.IsSecret(refreshed["inputs"]!["cardName"]));

        var imported = run.Ok(8);
        Assert.Equal($"{NodeConfig.NodeName}/vm.104", imported["id"]!.GetValue<string>());
        Assert.Equal(104, imported["inputs"]!["vmid"]!.GetValue<int>());
        Assert.Equal(2, imported["inputs"]!["numDisplays"]!.GetValue<int>());

        run.Ok(9);
        Assert.DoesNotContain("[vm.104]", await node.ExecCheckedAsync("cat /etc/vgpu_unlock/profile_override.toml 2>/dev/null || true"), StringComparison.Ordinal);
        Assert.Equal(string.Empty, run.Ok(10)["id"]!.GetValue<string>());

        var log = await node.ReadCommandLogAsync();
        Assert.DoesNotContain(log.During(run, 4), NodeConfig.IsMutating);
        Assert.Contains(log.During(run, 1), NodeConfig.IsMutating);
        Assert.Contains(log.During(run, 5), NodeConfig.IsMutating);
        Assert.DoesNotContain(log.During(run, 2), NodeConfig.IsMutating);
        Assert.DoesNotContain(log.During(run, 6), NodeConfig.IsMutating);
        Assert.DoesNotContain(run.Logs, l => l!["message"]!.GetValue<string>().Contains("GRID P40-1Q", StringComparison.Ordinal));
    }

    [NodeEngineFact]
    public async Task Licence_server_lifecycle_keeps_the_client_token_secret_end_to_end()
    {
        const string Dls = "vgpu:index:DlsLicenseServer";
        var node = _node!;
        var port = LoopbackPorts.Reserve();
        JsonObject Inputs(int leaseDays, int memory) => new()
        {
            ["node"] = NodeConfig.NodeName, ["vmid"] = 250, ["ipAddress"] = "192.0.2.50/24", ["gateway"] = "192.0.2.1",
            ["dlsUrl"] = "127.0.0.1", ["dlsPort"] = port, ["leaseExpireDays"] = leaseDays, ["memoryMb"] = memory,
        };
        JsonObject S(string rpc, string key, JsonObject value, params (string Key, JsonNode? Value)[] more) =>
            Step(rpc, [("type", Dls), ("name", "dls"), (key, value), .. more]);

        var run = await PulumiEngine.RunAsync(
        [
            Step("configure", ("args", NodeConfig.For(node))),
            S("check", "news", Inputs(90, 512)),                                                        // 1
            S("create", "properties", Inputs(90, 512), ("preview", true)),                              // 2
            S("create", "properties", Inputs(90, 512)),                                                 // 3
            S("diff", "news", Inputs(90, 512)),                                                         // 4 no-op
            S("diff", "news", Inputs(30, 512)),                                                         // 5 in place
            S("update", "news", Inputs(30, 512)),                                                       // 6
            S("diff", "news", Inputs(30, 1024)),                                                        // 7 replace
            Step("read", ("type", Dls), ("name", "dls")),                                               // 8 refresh
            Step("read", ("type", Dls), ("name", "imported"), ("id", $"{NodeConfig.NodeName}/lxc/250"), ("import", true)), // 9
            Step("delete", ("type", Dls), ("name", "dls")),                                             // 10
        ], timeout: TimeSpan.FromMinutes(6));

        Assert.Empty(run.Ok(1)["failures"]!.AsArray());
        var previewToken = run.Ok(2)["properties"]!["clientToken"];
        Assert.True(PulumiEngine.IsSecret(previewToken), "a sensitive output is a secret even while unknown");
        Assert.Equal(PulumiEngine.Unknown, previewToken!["value"]!.GetValue<string>());
        var created = run.Ok(3);
        Assert.Equal($"{NodeConfig.NodeName}/lxc/250", created["id"]!.GetValue<string>());
        var token = created["properties"]!["clientToken"];
        Assert.True(PulumiEngine.IsSecret(token), "a sensitive output is a secret");
        var tokenText = token!["value"]!.GetValue<string>();
        Assert.Equal(3, tokenText.Split('.').Length);
        Assert.Equal($"https://127.0.0.1:{port}", created["properties"]!["url"]!.GetValue<string>());

        Assert.Equal("DIFF_NONE", run.Ok(4)["changes"]!.GetValue<string>());
        var inPlace = run.Ok(5);
        Assert.Equal(["leaseExpireDays"], inPlace["diffs"]!.AsArray().Select(d => d!.GetValue<string>()));
        Assert.Empty(inPlace["replaces"]!.AsArray());
        Assert.True(PulumiEngine.IsSecret(run.Ok(6)["properties"]!["clientToken"]));
        var replace = run.Ok(7);
        Assert.Contains("memoryMb", replace["replaces"]!.AsArray().Select(d => d!.GetValue<string>()));
        Assert.True(PulumiEngine.IsSecret(run.Ok(8)["properties"]!["clientToken"]));
        var imported = run.Ok(9);
        Assert.Equal("127.0.0.1", imported["inputs"]!["dlsUrl"]!.GetValue<string>());
        Assert.True(PulumiEngine.IsSecret(imported["properties"]!["clientToken"]));
        run.Ok(10);

        Assert.DoesNotContain(tokenText, run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(run.Logs, l => l!["message"]!.GetValue<string>().Contains(tokenText, StringComparison.Ordinal));
        var log = await node.ReadCommandLogAsync();
        Assert.DoesNotContain(log.During(run, 2), NodeConfig.IsMutating);
        Assert.DoesNotContain(log, e => e.Text.Contains(tokenText, StringComparison.Ordinal));
        Assert.False((await node.ExecAsync("test -e /etc/pve/lxc/250.conf")).Succeeded);
    }

    [NodeEngineFact]
    public async Task A_licence_server_stopped_by_hand_is_refreshed_as_stopped_and_the_next_update_starts_it_with_the_same_keys()
    {
        const string Dls = "vgpu:index:DlsLicenseServer";
        var node = _node!;
        var port = LoopbackPorts.Reserve();
        var inputs = new JsonObject
        {
            ["node"] = NodeConfig.NodeName, ["vmid"] = 250, ["ipAddress"] = "192.0.2.50/24", ["gateway"] = "192.0.2.1",
            ["dlsUrl"] = "127.0.0.1", ["dlsPort"] = port,
        };
        JsonObject S(string rpc, params (string Key, JsonNode? Value)[] more) => Step(rpc, [("type", Dls), ("name", "dls"), .. more]);

        var run = await PulumiEngine.RunAsync(
        [
            Step("configure", ("args", NodeConfig.For(node))),
            S("create", ("properties", inputs.DeepClone())),
        ], timeout: TimeSpan.FromMinutes(4));
        var created = run.Ok(1)["properties"]!.AsObject();
        var token = created["clientToken"]!["value"]!.GetValue<string>();
        var signingKey = created["signingKeySha256"]!.GetValue<string>();

        await node.ExecCheckedAsync("pct stop 250");
        var mark = await node.CommandLogMarkAsync();
        var run2 = await PulumiEngine.RunAsync(
        [
            Step("configure", ("args", NodeConfig.For(node))),
            S("read", ("id", $"{NodeConfig.NodeName}/lxc/250"), ("properties", created.DeepClone()), ("inputs", inputs.DeepClone())), // 1 refresh
            S("diff", ("news", inputs.DeepClone())),                                                                                  // 2
            S("update", ("news", inputs.DeepClone())),                                                                                // 3
            S("diff", ("news", inputs.DeepClone())),                                                                                  // 4 converged
        ], timeout: TimeSpan.FromMinutes(4));

        // stopped is not missing: the refresh keeps the object, its keys and its token, and says it is stopped
        var refreshed = run2.Ok(1);
        Assert.Equal($"{NodeConfig.NodeName}/lxc/250", refreshed["id"]!.GetValue<string>());
        var stopped = refreshed["properties"]!.AsObject();
        Assert.Contains("stopped", stopped["status"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(signingKey, stopped["signingKeySha256"]!.GetValue<string>());
        Assert.Equal(token, stopped["clientToken"]!["value"]!.GetValue<string>());

        // no input changed: the diff shows the status (an output) and no replacement; the update starts the container
        var repair = run2.Ok(2);
        Assert.Equal("DIFF_SOME", repair["changes"]!.GetValue<string>());
        Assert.Contains("status", repair["diffs"]!.AsArray().Select(d => d!.GetValue<string>()));
        Assert.Empty(repair["replaces"]!.AsArray());
        var started = run2.Ok(3)["properties"]!.AsObject();
        Assert.Equal(created["status"]!.GetValue<string>(), started["status"]!.GetValue<string>());
        Assert.Equal(signingKey, started["signingKeySha256"]!.GetValue<string>()); // the same keys: no token issued before is invalidated
        Assert.Equal("DIFF_NONE", run2.Ok(4)["changes"]!.GetValue<string>());

        var log = (await node.ReadCommandLogAsync(mark)).ToList();
        Assert.DoesNotContain(log.During(run2, 1), NodeConfig.IsMutating);
        Assert.DoesNotContain(log.During(run2, 2), NodeConfig.IsMutating);
        Assert.DoesNotContain(log.During(run2, 4), NodeConfig.IsMutating);
        Assert.Contains(log.During(run2, 3), e => e.Text.StartsWith("pct start 250", StringComparison.Ordinal));
        Assert.DoesNotContain(log, e => e.Text.StartsWith("pct destroy", StringComparison.Ordinal) || e.Text.StartsWith("pct create", StringComparison.Ordinal));
        Assert.True((await node.ExecAsync("test -f /run/nodesim/lxc/250.running")).Succeeded, "the container runs again");
    }

    [NodeEngineFact]
    public async Task Previews_of_the_host_driver_and_a_guest_on_a_fresh_node_change_nothing()
    {
        var node = _node!;
        var driver = new JsonObject
        {
            ["installerUrl"] = "https://files.example.invalid/NVIDIA-Linux-x86_64-535.230.02-vgpu-kvm.run",
            ["installerSha256"] = new string('a', 64),
            ["version"] = "535.230.02",
        };
        var guest = new JsonObject { ["vmid"] = 120, ["name"] = "vm120", ["mdevTypeName"] = "GRID P40-1Q", ["licenseToken"] = PulumiEngine.Secret("guest-token") };
        var run = await PulumiEngine.RunAsync(
        [
            Step("configure", ("args", NodeConfig.For(node))),
            Step("check", ("type", "vgpu:index:HostDriver"), ("name", "d"), ("news", driver.DeepClone())),
            Step("create", ("type", "vgpu:index:HostDriver"), ("name", "d"), ("properties", driver.DeepClone()), ("preview", true)),
            Step("check", ("type", "vgpu:index:Guest"), ("name", "g"), ("news", guest.DeepClone())),
            Step("create", ("type", "vgpu:index:Guest"), ("name", "g"), ("properties", guest.DeepClone()), ("preview", true)),
        ]);
        Assert.Empty(run.Ok(1)["failures"]!.AsArray());
        var planned = run.Ok(2)["properties"]!.AsObject();
        Assert.Equal("535.230.02", planned["version"]!.GetValue<string>());
        Assert.Empty(run.Ok(3)["failures"]!.AsArray());
        if (run.Step(4)["ok"]!.GetValue<bool>())
        {
            Assert.True(PulumiEngine.IsSecret(run.Ok(4)["properties"]!["licenseToken"]));
        }

        var log = await node.ReadCommandLogAsync();
        foreach (var step in new[] { 2, 4 })
        {
            Assert.DoesNotContain(log.During(run, step), NodeConfig.IsMutating);
        }

        Assert.DoesNotContain(log, e => e.Text.Contains("guest-token", StringComparison.Ordinal));
    }
}
