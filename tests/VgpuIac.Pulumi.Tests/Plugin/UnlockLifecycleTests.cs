using System.Security.Cryptography;
using System.Text.Json.Nodes;
using VgpuIac.NodeSim;
using VgpuIac.Pulumi.Tests.Support;
using static VgpuIac.Pulumi.Tests.Support.RpcSteps;

namespace VgpuIac.Pulumi.Tests.Plugin;

/// <summary>
/// <c>vgpu:index:Unlock</c> through the real plugin against a simulated node with a consumer GPU (GTX 1080) and the host
/// driver installed by hand: check, create (library uploaded, drop-ins written, vGPU types appear), refresh, no-op diff,
/// in-place update, replacement when the library path changes, drift made by hand, import by node name, delete.
/// </summary>
public sealed class UnlockLifecycleTests : IAsyncLifetime
{
    private const string Unlock = "vgpu:index:Unlock";
    private const string Library = "/opt/vgpu_unlock-rs/target/release/libvgpu_unlock_rs.so";
    private const string MgrDropIn = "/etc/systemd/system/nvidia-vgpu-mgr.service.d/vgpu_unlock.conf";
    private const string VgpudDropIn = "/etc/systemd/system/nvidia-vgpud.service.d/vgpu_unlock.conf";
    private const string UnlockConfig = "/etc/vgpu_unlock/config.toml";
    private readonly string _library = Path.Combine(Path.GetTempPath(), $"libvgpu_unlock_rs-{Guid.NewGuid():N}.so");
    private SimulatedNode? _node;

    public async Task InitializeAsync()
    {
        await File.WriteAllBytesAsync(_library, [.. "\u007fELF fake vgpu_unlock-rs "u8.ToArray(), .. RandomNumberGenerator.GetBytes(4096)]);
        if (NodeHostRequirements.WhyUnavailable() is null || Environment.GetEnvironmentVariable("CI") == "true")
        {
            _node = await SimulatedNode.StartAsync(new NodeOptions { Hostname = "pve-pulumi-unlock", Gpus = [new GpuDevice("0000:01:00.0", "gtx-1080")] });
        }
    }

    public async Task DisposeAsync()
    {
        if (_node is not null)
        {
            await _node.DisposeAsync();
        }

        File.Delete(_library);
    }

    private JsonObject Inputs(bool migration = false, string? libraryPath = null)
    {
        var o = new JsonObject { ["node"] = NodeConfig.NodeName, ["librarySource"] = _library, ["unlockMigration"] = migration };
        if (libraryPath is not null)
        {
            o["libraryPath"] = libraryPath;
        }

        return o;
    }

    private static JsonObject U(string rpc, params (string Key, JsonNode? Value)[] fields) => On(Unlock, "u", rpc, fields);

    [NodeEngineFact]
    public async Task Unlock_lifecycle_check_create_read_diff_update_replace_drift_import_delete()
    {
        var node = _node!;
        await NodeSetup.InstallHostDriverByHandAsync(node);
        Assert.DoesNotContain("GRID P40-1Q", await node.ExecCheckedAsync("mdevctl types"), StringComparison.Ordinal);
        var sha = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(_library)));
        var bad = Inputs(libraryPath: "relative/lib.so");
        bad["librarySha256"] = "xyz";

        var run = await PulumiEngine.RunAsync(
        [
            Step("configure", ("args", NodeConfig.For(node))),
            U("check", ("news", bad)),                                                  // 1 bad inputs
            U("check", ("news", Inputs())),                                             // 2
            U("create", ("properties", Inputs()), ("preview", true)),                   // 3 preview
            U("create", ("properties", Inputs())),                                      // 4
            U("read"),                                                                  // 5 refresh
            U("diff", ("news", Inputs())),                                              // 6 no-op
            U("diff", ("news", Inputs(migration: true))),                               // 7 in place
            U("update", ("news", Inputs(migration: true))),                             // 8
            U("diff", ("news", Inputs(migration: true, libraryPath: "/opt/unlock/libvgpu_unlock_rs.so"))), // 9 replace
        ], timeout: TimeSpan.FromMinutes(6));

        var failures = Failures(run.Ok(1));
        Assert.Contains(failures, f => f.Property == "libraryPath" && f.Reason.Contains("relative/lib.so", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Property == "librarySha256");
        Assert.Empty(Failures(run.Ok(2)));
        run.Ok(3);

        var created = run.Ok(4);
        Assert.Equal(NodeConfig.NodeName, created["id"]!.GetValue<string>());
        var state = created["properties"]!.AsObject();
        Assert.Equal(sha, state["installedLibrarySha256"]!.GetValue<string>());
        Assert.Equal(sha, state["librarySha256"]!.GetValue<string>());
        Assert.Equal(Library, state["libraryPath"]!.GetValue<string>());
        Assert.True(state["effective"]!.GetValue<bool>());
        Assert.Equal(["nvidia-vgpud.service", "nvidia-vgpu-mgr.service"], Names(state["units"]));
        Assert.Contains(MgrDropIn, Names(state["createdPaths"]));
        Assert.Contains("GRID P40-1Q", await node.ExecCheckedAsync("mdevctl types"), StringComparison.Ordinal);

        var refreshed = run.Ok(5);
        Assert.Equal(NodeConfig.NodeName, refreshed["id"]!.GetValue<string>());
        AssertSameState(state, refreshed["properties"]!.AsObject());

        Assert.Equal("DIFF_NONE", run.Ok(6)["changes"]!.GetValue<string>());

        var inPlace = run.Ok(7);
        Assert.Equal("DIFF_SOME", inPlace["changes"]!.GetValue<string>());
        Assert.Equal(["unlockMigration"], Names(inPlace["diffs"]));
        Assert.Empty(inPlace["replaces"]!.AsArray());
        var updated = run.Ok(8)["properties"]!.AsObject();
        Assert.True(updated["unlockMigration"]!.GetValue<bool>());
        Assert.Contains("unlock_migration = true", await node.ExecCheckedAsync($"cat {UnlockConfig}"), StringComparison.Ordinal);

        var replace = run.Ok(9);
        Assert.Equal(["libraryPath"], Names(replace["replaces"]));
        Assert.EndsWith("REPLACE", replace["detailedDiff"]!["libraryPath"]!["kind"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.True(replace["deleteBeforeReplace"]!.GetValue<bool>()); // one unlock per node: the old one goes first

        var log = await node.ReadCommandLogAsync();
        Assert.Contains(log.During(run, 4), NodeConfig.IsMutating);
        Assert.Contains(log.During(run, 8), NodeConfig.IsMutating);
        foreach (var step in new[] { 1, 2, 3, 5, 6, 7, 9 })
        {
            Assert.DoesNotContain(log.During(run, step), NodeConfig.IsMutating);
        }

        // Drift by hand: the manager's drop-in removed and the library made world-writable. A refresh (new plugin process)
        // shows the unit gone from `units` and the mode in `fileModes`; a diff with unchanged inputs shows both and the update repairs them.
        await node.ExecCheckedAsync($"rm {MgrDropIn} && systemctl daemon-reload && chmod 0666 {Library}");
        var inputs = Inputs(migration: true);
        var run2 = await PulumiEngine.RunAsync(
        [
            Step("configure", ("args", NodeConfig.For(node))),
            U("read", ("id", NodeConfig.NodeName), ("properties", updated.DeepClone()), ("inputs", inputs.DeepClone())), // 1 drift
            U("diff", ("news", inputs.DeepClone())),                                                                     // 2 the plan repairs it
            U("update", ("news", inputs.DeepClone())),                                                                   // 3
            U("diff", ("news", inputs.DeepClone())),                                                                     // 4 converged
            On(Unlock, "imported", "read", ("id", NodeConfig.NodeName), ("import", true)),                              // 5 import
            U("delete"),                                                                                                  // 6
        ], timeout: TimeSpan.FromMinutes(4));

        var drifted = run2.Ok(1)["properties"]!.AsObject();
        Assert.Equal(["nvidia-vgpud.service"], Names(drifted["units"]));
        Assert.Equal(sha, drifted["installedLibrarySha256"]!.GetValue<string>());

        // no input changed, but the node drifted: the diff says so (an output, not an input) and the update repairs it
        var repair = run2.Ok(2);
        Assert.Equal("DIFF_SOME", repair["changes"]!.GetValue<string>());
        Assert.Contains("units", Names(repair["diffs"]));
        Assert.Contains("fileModes", Names(repair["diffs"])); // the library made world-writable by hand
        Assert.Equal("0666 root:root", drifted["fileModes"]![Library]!.GetValue<string>());
        Assert.Equal("0755 root:root", run2.Ok(3)["properties"]!["fileModes"]![Library]!.GetValue<string>());
        Assert.False(repair["detailedDiff"]!["units"]!["inputDiff"]?.GetValue<bool>() ?? false);
        Assert.Empty(repair["replaces"]!.AsArray());
        Assert.Equal(["nvidia-vgpud.service", "nvidia-vgpu-mgr.service"], Names(run2.Ok(3)["properties"]!["units"]));
        var log2 = await node.ReadCommandLogAsync();
        Assert.Contains(log2.During(run2, 3), e => NodeConfig.IsMutating(e) && e.Text.Contains(MgrDropIn, StringComparison.Ordinal)); // the removed drop-in written back
        Assert.DoesNotContain(log2.During(run2, 2), NodeConfig.IsMutating);
        Assert.DoesNotContain(log2.During(run2, 4), NodeConfig.IsMutating);
        Assert.Equal("DIFF_NONE", run2.Ok(4)["changes"]!.GetValue<string>());

        var imported = run2.Ok(5);
        Assert.Equal(NodeConfig.NodeName, imported["id"]!.GetValue<string>());
        var importedInputs = imported["inputs"]!.AsObject();
        Assert.Equal(sha, importedInputs["librarySha256"]!.GetValue<string>());
        Assert.Equal(Library, importedInputs["libraryPath"]!.GetValue<string>());
        Assert.True(importedInputs["unlockMigration"]!.GetValue<bool>());
        Assert.False(importedInputs.ContainsKey("installedLibrarySha256"), "outputs are not inputs");

        run2.Ok(6);
        foreach (var path in new[] { Library, VgpudDropIn, MgrDropIn, UnlockConfig, "/opt/vgpu_unlock-rs" })
        {
            Assert.False((await node.ExecAsync($"test -e {path}")).Succeeded, $"{path} is left on the node");
        }

        var pem = node.PrivateKeyPem.Split('\n')[1];
        Assert.DoesNotContain(pem, run.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(pem, run2.ToString(), StringComparison.Ordinal);
    }
}
