using System.Security.Cryptography;
using System.Text.Json.Nodes;
using VgpuIac.NodeSim;
using VgpuIac.Pulumi.Tests.Support;
using static VgpuIac.Pulumi.Tests.Support.RpcSteps;

namespace VgpuIac.Pulumi.Tests.Plugin;

/// <summary>
/// Replacements through the engine stand-in's <c>replace</c> step (Diff, Check, then Delete and Create in the order the
/// provider's <c>deleteBeforeReplace</c> asks for) of the objects that are one per node, per vmid or per section: the
/// unlock of a node, a licence server in container 250 or on the node's Docker, a profile-override section. Each
/// replacement leaves the new object on the node and nothing of the old one; a refresh afterwards finds the new one.
/// Created first, the new object would be removed by the old one's Delete.
/// </summary>
public sealed class ReplaceTests
{
    private const string Unlock = "vgpu:index:Unlock";
    private const string Dls = "vgpu:index:DlsLicenseServer";
    private const string Override = "vgpu:index:ProfileOverride";
    private const string OverrideFile = "/etc/vgpu_unlock/profile_override.toml";

    /// <summary>The replace entry of a run: succeeded, delete-first, and the sub-steps in the engine's order.</summary>
    private static JsonObject AssertReplacedDeleteFirst(EngineRun run, int index)
    {
        var replace = run.Step(index);
        Assert.True(replace["ok"]!.GetValue<bool>(), $"replace failed: {replace.ToJsonString()}\nstderr: {run.Stderr}");
        Assert.True(replace["deleteBeforeReplace"]!.GetValue<bool>());
        Assert.Equal(["diff", "check", "delete", "create"], Names(replace["order"]));
        return replace["steps"]![3]!["response"]!.AsObject();
    }

    private static async Task<bool> ExistsAsync(SimulatedNode node, string path) => (await node.ExecAsync($"test -e {path}")).Succeeded;

    [NodeEngineFact]
    public async Task Unlock_and_profile_override_sections_are_replaced_delete_first()
    {
        await using var node = await SimulatedNode.StartAsync(new NodeOptions { Hostname = "pve-pulumi-replace-unlock", Gpus = [new GpuDevice("0000:01:00.0", "gtx-1080")] });
        var library = Path.Combine(Path.GetTempPath(), $"libvgpu_unlock_rs-{Guid.NewGuid():N}.so");
        await File.WriteAllBytesAsync(library, [.. "\u007fELF fake vgpu_unlock-rs "u8.ToArray(), .. RandomNumberGenerator.GetBytes(4096)]);
        try
        {
            await NodeSetup.InstallHostDriverByHandAsync(node);
            const string oldPath = "/opt/vgpu_unlock-rs/target/release/libvgpu_unlock_rs.so";
            const string newPath = "/opt/unlock/libvgpu_unlock_rs.so";
            JsonObject UnlockInputs(string? path = null)
            {
                var o = new JsonObject { ["node"] = NodeConfig.NodeName, ["librarySource"] = library };
                if (path is not null)
                {
                    o["libraryPath"] = path;
                }

                return o;
            }

            JsonObject OverrideInputs(params (string Key, JsonNode? Value)[] target)
            {
                var o = new JsonObject { ["node"] = NodeConfig.NodeName, ["numDisplays"] = 1, ["displayWidth"] = 1920, ["displayHeight"] = 1080 };
                foreach (var (k, v) in target)
                {
                    o[k] = v;
                }

                return o;
            }

            var run = await PulumiEngine.RunAsync(
            [
                Step("configure", ("args", NodeConfig.For(node))),
                On(Unlock, "u", "create", ("properties", UnlockInputs())),                                             // 1
                On(Unlock, "u", "replace", ("news", UnlockInputs(newPath))),                                            // 2 library path: replace
                On(Unlock, "u", "read"),                                                                                // 3 refresh
                On(Override, "o", "create", ("properties", OverrideInputs(("mdevType", "nvidia-46")))),                 // 4 [profile.nvidia-46]
                On(Override, "o", "replace", ("news", OverrideInputs(("mdevTypeName", "GRID P40-1Q")))),                // 5 same section, by name
                On(Override, "o", "read"),                                                                              // 6
                On(Override, "v", "create", ("properties", OverrideInputs(("vmid", 101)))),                             // 7 [vm.101]
                On(Override, "v", "replace", ("news", OverrideInputs(("vmid", 102)))),                                  // 8 [vm.102]
            ], timeout: TimeSpan.FromMinutes(8));

            Assert.Equal(oldPath, run.Ok(1)["properties"]!["libraryPath"]!.GetValue<string>());
            var unlock = AssertReplacedDeleteFirst(run, 2);
            Assert.Equal(newPath, unlock["properties"]!["libraryPath"]!.GetValue<string>());
            Assert.True(unlock["properties"]!["effective"]!.GetValue<bool>());
            var refreshed = run.Ok(3);
            Assert.Equal(NodeConfig.NodeName, refreshed["id"]!.GetValue<string>());
            Assert.Equal(newPath, refreshed["properties"]!["libraryPath"]!.GetValue<string>());
            Assert.True(await ExistsAsync(node, newPath));
            Assert.False(await ExistsAsync(node, oldPath), "the old library is left on the node");
            Assert.False(await ExistsAsync(node, "/opt/vgpu_unlock-rs"), "the old library's folder is left on the node");
            var dropIn = await node.ExecCheckedAsync("cat /etc/systemd/system/nvidia-vgpu-mgr.service.d/vgpu_unlock.conf");
            Assert.Contains($"LD_PRELOAD={newPath}", dropIn, StringComparison.Ordinal);
            Assert.DoesNotContain(oldPath, dropIn, StringComparison.Ordinal);

            Assert.Equal("pve1/profile.nvidia-46", run.Ok(4)["id"]!.GetValue<string>());
            var section = AssertReplacedDeleteFirst(run, 5);
            Assert.Equal("pve1/profile.nvidia-46", section["id"]!.GetValue<string>());
            Assert.Equal("pve1/profile.nvidia-46", run.Ok(6)["id"]!.GetValue<string>());
            Assert.Equal(1, run.Ok(6)["properties"]!["numDisplays"]!.GetValue<int>());

            Assert.Equal("pve1/vm.101", run.Ok(7)["id"]!.GetValue<string>());
            Assert.Equal("pve1/vm.102", AssertReplacedDeleteFirst(run, 8)["id"]!.GetValue<string>());

            var file = await node.ExecCheckedAsync($"cat {OverrideFile}");
            Assert.Single(file.Split('\n'), l => l.Trim() == "[profile.nvidia-46]");
            Assert.Contains("[vm.102]", file, StringComparison.Ordinal);
            Assert.DoesNotContain("[vm.101]", file, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(library);
        }
    }

    [NodeEngineFact]
    public async Task Licence_servers_in_a_container_and_on_a_docker_host_are_replaced_delete_first()
    {
        await using var node = await SimulatedNode.StartAsync(new NodeOptions { Hostname = "pve-pulumi-replace-dls" });
        const string hostContainer = "/var/lib/docker-sim/containers/fastapi-dls";
        JsonObject Lxc(int vmid, string hostname, int port) => new()
        {
            ["node"] = NodeConfig.NodeName, ["vmid"] = vmid, ["hostname"] = hostname, ["ipAddress"] = "192.0.2.50/24", ["gateway"] = "192.0.2.1",
            ["dlsUrl"] = "127.0.0.1", ["dlsPort"] = port,
        };
        JsonObject DockerHost(int memory, int port) => new()
        {
            ["node"] = NodeConfig.NodeName, ["hosting"] = "docker_host", ["memoryMb"] = memory, ["dlsUrl"] = "127.0.0.1", ["dlsPort"] = port,
        };

        var lxcPort = LoopbackPorts.Reserve();
        var dockerPort = LoopbackPorts.Reserve();
        var run = await PulumiEngine.RunAsync(
        [
            Step("configure", ("args", NodeConfig.For(node))),
            On(Dls, "lxc", "create", ("properties", Lxc(250, "dls", lxcPort))),          // 1
            On(Dls, "lxc", "replace", ("news", Lxc(250, "dls-b", lxcPort))),             // 2 same vmid: the old container must go first
            On(Dls, "lxc", "read"),                                                      // 3
            On(Dls, "lxc", "replace", ("news", Lxc(251, "dls-b", lxcPort))),             // 4 another vmid
            On(Dls, "docker", "create", ("properties", DockerHost(512, dockerPort))),    // 5
            On(Dls, "docker", "replace", ("news", DockerHost(1024, dockerPort))),        // 6 the one deployment on that host
            On(Dls, "docker", "read"),                                                   // 7
        ], timeout: TimeSpan.FromMinutes(9));

        var first = run.Ok(1);
        Assert.Equal("pve1/lxc/250", first["id"]!.GetValue<string>());
        var sameVmid = AssertReplacedDeleteFirst(run, 2);
        Assert.Equal("pve1/lxc/250", sameVmid["id"]!.GetValue<string>());
        Assert.Equal("dls-b", run.Ok(3)["properties"]!["hostname"]!.GetValue<string>());
        Assert.NotEqual(first["properties"]!["certificateSha256"]!.GetValue<string>(), sameVmid["properties"]!["certificateSha256"]!.GetValue<string>());

        Assert.Equal("pve1/lxc/251", AssertReplacedDeleteFirst(run, 4)["id"]!.GetValue<string>());
        Assert.False(await ExistsAsync(node, "/etc/pve/lxc/250.conf"), "container 250 is left on the node");
        Assert.Contains("hostname: dls-b", await node.ExecCheckedAsync("cat /etc/pve/lxc/251.conf"), StringComparison.Ordinal);
        Assert.Contains("Up", await node.ExecCheckedAsync("pct exec 251 -- docker ps"), StringComparison.Ordinal);

        var docker = run.Ok(5);
        Assert.Equal("pve1/docker", docker["id"]!.GetValue<string>());
        var replaced = AssertReplacedDeleteFirst(run, 6);
        Assert.Equal("pve1/docker", replaced["id"]!.GetValue<string>());
        var refreshed = run.Ok(7);
        Assert.Equal("pve1/docker", refreshed["id"]!.GetValue<string>());
        Assert.Equal(replaced["properties"]!["certificateSha256"]!.GetValue<string>(), refreshed["properties"]!["certificateSha256"]!.GetValue<string>());
        Assert.True(await ExistsAsync(node, hostContainer), "the new deployment is gone from the docker host");
        Assert.Single((await node.ExecCheckedAsync("ls /var/lib/docker-sim/containers")).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("Up", await node.ExecCheckedAsync("docker ps"), StringComparison.Ordinal);
    }
}
