using System.Text.Json.Nodes;
using VgpuIac.NodeSim;
using VgpuIac.Pulumi.Provider;
using VgpuIac.Pulumi.Tests.Support;
using static VgpuIac.Pulumi.Tests.Support.RpcSteps;

namespace VgpuIac.Pulumi.Tests.Plugin;

/// <summary>
/// What a Pulumi user reads never mentions Terraform: the failure paths of every RPC (bad provider config, bad inputs,
/// unknown types and functions, a stranger's object in the way, an unreadable local file, an import of nothing, an
/// unknown node) and the schema are driven through the engine stand-in, and no response, failure or log line contains
/// "terraform". Import advice is Pulumi's (<c>pulumi import</c> with the type token and the ID).
/// </summary>
public sealed class PulumiWordingTests
{
    private static void AssertNoTerraform(EngineRun run)
    {
        // Everything the engine would show: responses, error details, check failures, logs (stderr is the plugin's debug log, hidden from users).
        var shown = new JsonObject { ["steps"] = run.Steps.DeepClone(), ["logs"] = run.Logs.DeepClone() }.ToJsonString();
        var at = shown.IndexOf("terraform", StringComparison.OrdinalIgnoreCase);
        Assert.True(at < 0, $"a response mentions Terraform: …{(at < 0 ? string.Empty : shown[Math.Max(0, at - 200)..Math.Min(shown.Length, at + 100)])}…");
    }

    private static int Failed(EngineRun run) =>
        run.Steps.Count(s => !s!["ok"]!.GetValue<bool>() || s["response"]?["failures"] is JsonArray { Count: > 0 });

    [Theory]
    [InlineData("relative paths are relative to the directory Terraform/Pulumi runs in", "relative paths are relative to the directory Pulumi runs in")]
    [InlineData("on the machine running Terraform or Pulumi", "on the machine running Pulumi")]
    [InlineData("run terraform import", "run pulumi import")]
    [InlineData("nothing to change", "nothing to change")]
    public void Engine_wording_is_rendered_for_pulumi(string engine, string pulumi) => Assert.Equal(pulumi, PulumiWording.Neutral(engine));

    [EngineFact]
    public async Task Failures_without_a_node_and_the_schema_never_mention_terraform()
    {
        var run = await PulumiEngine.RunAsync(
        [
            Step("getSchema"),                                                                                    // 0
            Step("checkConfig", ("news", new JsonObject { ["node"] = new JsonObject { ["pve1"] = new JsonObject { ["port"] = "x" } }, ["colour"] = 1 })), // 1
            Step("configure", ("args", new JsonObject { ["node"] = new JsonObject { ["pve1"] = new JsonObject() } })), // 2 no host
            On("vgpu:index:Unlock", "u", "check", ("news", new JsonObject { ["node"] = "pve1", ["libraryPath"] = "relative.so", ["librarySha256"] = "xyz" })), // 3
            On("vgpu:index:DlsLicenseServer", "d", "check", ("news", new JsonObject { ["node"] = "pve1", ["dlsUrl"] = "$(reboot)", ["image"] = "x:latest" })), // 4
            On("vgpu:index:Guest", "g", "check", ("news", new JsonObject { ["node"] = "pve1", ["vmid"] = 2.5 })),       // 5
            On("vgpu:index:HostDriver", "h", "check", ("news", new JsonObject { ["node"] = "pve1", ["installerUrl"] = "ftp://x" })), // 6
            On("vgpu:index:ProfileOverride", "p", "check", ("news", new JsonObject { ["node"] = "pve1", ["vmid"] = 101, ["mdevType"] = "nvidia-46" })), // 7
            On("vgpu:index:Nothing", "n", "check", ("news", new JsonObject())),                                   // 8
            Step("invoke", ("tok", "vgpu:index:getNothing"), ("args", new JsonObject())),                          // 9
            On("vgpu:index:VgpuNode", "c", "construct", ("inputs", new JsonObject { ["colour"] = "red" }), ("dryRun", true)), // 10
        ]);

        var schema = run.Ok(0)["schema"]!.GetValue<string>();
        Assert.Contains("pulumi import vgpu:index:Unlock", schema, StringComparison.Ordinal);
        Assert.Contains("machine running Pulumi", schema, StringComparison.Ordinal);
        Assert.True(Failed(run) >= 9, $"expected the failure paths to fail:\n{run}");
        AssertNoTerraform(run);
    }

    [NodeEngineFact]
    public async Task Failures_on_a_node_never_mention_terraform_and_give_pulumi_import_advice()
    {
        await using var node = await SimulatedNode.StartAsync(new NodeOptions { Hostname = "pve-pulumi-wording" });
        await node.ExecCheckedAsync("pct create 250 local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst --hostname by-hand");
        var missing = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}");
        var dls = new JsonObject
        {
            ["node"] = NodeConfig.NodeName, ["vmid"] = 250, ["ipAddress"] = "192.0.2.50/24", ["dlsUrl"] = "127.0.0.1",
        };
        var unlock = new JsonObject { ["node"] = NodeConfig.NodeName, ["librarySource"] = Path.Combine(missing, "libvgpu_unlock_rs.so") };
        var driver = new JsonObject { ["node"] = NodeConfig.NodeName, ["version"] = NodeSetup.HostDriverVersion, ["installerSource"] = Path.Combine(missing, "NVIDIA.run") };

        var run = await PulumiEngine.RunAsync(
        [
            Step("configure", ("args", NodeConfig.For(node))),                                                  // 0
            On("vgpu:index:DlsLicenseServer", "d", "create", ("properties", dls.DeepClone()), ("preview", true)),             // 1 a stranger's container 250
            On("vgpu:index:DlsLicenseServer", "d", "create", ("properties", dls.DeepClone())),                                // 2
            On("vgpu:index:Unlock", "u", "check", ("news", unlock.DeepClone())),                                              // 3 unreadable library_source
            On("vgpu:index:Unlock", "u", "create", ("properties", unlock.DeepClone()), ("preview", true)),                    // 4
            On("vgpu:index:Unlock", "u", "create", ("properties", unlock.DeepClone())),                                       // 5
            On("vgpu:index:HostDriver", "h", "create", ("properties", driver.DeepClone()), ("preview", true)),                // 6 unreadable installer
            On("vgpu:index:HostDriver", "h", "create", ("properties", driver.DeepClone())),                                   // 7
            On("vgpu:index:Unlock", "i", "read", ("id", NodeConfig.NodeName), ("import", true)),                  // 8 nothing to import
            On("vgpu:index:Guest", "g", "read", ("id", "pve1/999"), ("import", true)),                           // 9
            Step("invoke", ("tok", "vgpu:index:getNode"), ("args", new JsonObject { ["node"] = "nope" })),         // 10 unknown node
        ], timeout: TimeSpan.FromMinutes(4));

        Assert.True(run.Ok(0) is not null);
        var stranger = string.Join("\n", new[] { 1, 2 }.Select(i => run.Step(i)["details"]?.GetValue<string>() ?? string.Empty));
        Assert.Contains("Container 250 already exists", stranger, StringComparison.Ordinal);
        Assert.Contains("pulumi import vgpu:index:DlsLicenseServer <name> pve1/lxc/250", stranger, StringComparison.Ordinal);

        var unreadable = string.Join("\n", Enumerable.Range(3, 5).Select(i => run.Step(i)).Select(s =>
            (s["details"]?.GetValue<string>() ?? string.Empty) + (s["response"]?["failures"]?.ToJsonString() ?? string.Empty)));
        Assert.Contains("the directory Pulumi runs in", unreadable, StringComparison.Ordinal);

        Assert.False(run.Step(8)["ok"]!.GetValue<bool>());
        Assert.False(run.Step(9)["ok"]!.GetValue<bool>());
        Assert.True(Failed(run) >= 8, $"expected the failure paths to fail:\n{run}");
        AssertNoTerraform(run);
    }
}
