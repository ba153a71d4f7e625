using System.Text.Json.Nodes;
using VgpuIac.Engine.Catalog;
using VgpuIac.Pulumi.Schema;
using VgpuIac.Pulumi.Tests.Support;

namespace VgpuIac.Pulumi.Tests.Plugin;

/// <summary>
/// The real plugin binary, driven by the Node engine client on @pulumi/pulumi's generated stubs: launch protocol,
/// unconfigured RPCs, input checking, shutdown. No node needed.
/// </summary>
public sealed class PluginProtocolTests
{
    private static JsonObject Step(string rpc, params (string Key, JsonNode? Value)[] fields)
    {
        var o = new JsonObject { ["rpc"] = rpc };
        foreach (var (k, v) in fields)
        {
            o[k] = v;
        }

        return o;
    }

    [EngineFact]
    public async Task Announces_only_the_port_then_answers_handshake_plugin_info_and_schema_unconfigured()
    {
        var run = await PulumiEngine.RunAsync(
            [Step("handshake"), Step("getPluginInfo"), Step("getSchema"), Step("parameterize"), Step("getMappings")],
            args: ["--logtostderr", "-v=9", "--tracing", "127.0.0.1:1"]);
        Assert.Matches(@"^[1-9][0-9]{0,4}\n$", run.Result["portLine"]!.GetValue<string>());
        Assert.Equal(string.Empty, run.Result["stdoutAfterPort"]!.GetValue<string>());
        var handshake = run.Ok(0);
        Assert.True(handshake["acceptSecrets"]!.GetValue<bool>());
        Assert.True(handshake["acceptResources"]!.GetValue<bool>());
        Assert.False(handshake["acceptOutputs"]!.GetValue<bool>());
        Assert.Equal(PulumiSchema.Version, run.Ok(1)["version"]!.GetValue<string>());
        Assert.Equal(PulumiSchema.Render(), run.Ok(2)["schema"]!.GetValue<string>());
        Assert.Equal("UNIMPLEMENTED", run.Step(3)["code"]!.GetValue<string>());
        Assert.Equal("UNIMPLEMENTED", run.Step(4)["code"]!.GetValue<string>());
    }

    [EngineFact]
    public async Task Cancel_is_answered_then_the_plugin_exits_promptly()
    {
        var run = await PulumiEngine.RunAsync([Step("handshake"), Step("cancel"), Step("waitExit", ("timeoutMs", 5000))]);
        run.Ok(1);
        var exit = run.Step(2);
        Assert.True(exit["ok"]!.GetValue<bool>(), "the plugin did not exit within 5 s of Cancel");
        Assert.Equal(0, exit["exitCode"]!.GetValue<int>());
    }

    [EngineFact]
    public async Task Sigint_makes_the_plugin_exit_within_the_engines_five_second_window()
    {
        var run = await PulumiEngine.RunAsync([Step("getPluginInfo"), Step("sigint", ("timeoutMs", 5000))]);
        var exit = run.Step(1);
        Assert.True(exit["ok"]!.GetValue<bool>(), "the plugin did not exit within 5 s of SIGINT");
        Assert.True(exit["exitMs"]!.GetValue<long>() < 5000);
    }

    [EngineFact]
    public async Task Configuration_errors_are_reported_per_property_and_configure_refuses_a_provider_without_nodes()
    {
        var run = await PulumiEngine.RunAsync(
        [
            Step("checkConfig", ("news", new JsonObject { ["port"] = "abc", ["bogus"] = 1, ["node"] = new JsonObject { ["pve1"] = new JsonObject { ["user"] = "root" } } })),
            Step("checkConfig", ("news", new JsonObject { ["node"] = new JsonObject { ["pve1"] = new JsonObject { ["user"] = "root" } } })),
            Step("configure", ("args", new JsonObject { ["version"] = "0.1.0" })),
            Step("diffConfig", ("olds", new JsonObject { ["user"] = "a" }), ("news", new JsonObject { ["user"] = "b", ["password"] = PulumiEngine.Secret("x") })),
        ]);
        var failures = run.Ok(0)["failures"]!.AsArray().Select(f => f!["property"]!.GetValue<string>()).ToList();
        Assert.Contains("port", failures);
        Assert.Contains("bogus", failures);
        var semantic = run.Ok(1)["failures"]!.AsArray();
        Assert.NotEmpty(semantic);
        Assert.All(semantic, f => Assert.StartsWith("node[\"pve1\"]", f!["property"]!.GetValue<string>(), StringComparison.Ordinal));
        Assert.Equal("FAILED_PRECONDITION", run.Step(2)["code"]!.GetValue<string>());
        Assert.Contains("no nodes", run.Step(2)["details"]!.GetValue<string>(), StringComparison.Ordinal);
        var diff = run.Ok(3);
        Assert.Equal("DIFF_SOME", diff["changes"]!.GetValue<string>());
        Assert.Empty(diff["replaces"]!.AsArray());
    }

    [EngineFact]
    public async Task A_known_hosts_file_that_does_not_exist_yet_passes_check_and_configure_names_it()
    {
        var missing = Path.Combine(Path.GetTempPath(), "vgpuiac-missing-" + Guid.NewGuid().ToString("N"), "known_hosts");
        var config = new JsonObject
        {
            ["knownHostsFile"] = missing,
            ["node"] = new JsonObject { ["pve1"] = new JsonObject { ["host"] = "127.0.0.1", ["password"] = PulumiEngine.Secret("s3cr3t-pw-9f") } },
        };
        var run = await PulumiEngine.RunAsync(
        [
            Step("checkConfig", ("news", config)),
            Step("configure", ("args", config.DeepClone())),
        ]);
        Assert.Empty(run.Ok(0)["failures"]!.AsArray());
        Assert.Equal("FAILED_PRECONDITION", run.Step(1)["code"]!.GetValue<string>());
        var details = run.Step(1)["details"]!.GetValue<string>();
        Assert.Contains(missing, details, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t-pw-9f", details, StringComparison.Ordinal);
    }

    [EngineFact]
    public async Task Bad_resource_inputs_give_per_property_check_failures()
    {
        Assert.Contains(EngineCatalog.Resources, r => r.Definition.Name == "guest");
        var run = await PulumiEngine.RunAsync(
        [
            Step("check", ("type", "vgpu:index:Guest"), ("name", "g1"), ("news", new JsonObject { ["vmid"] = 5, ["cores"] = "four", ["colour"] = "red", ["mdevUuid"] = "x" })),
            Step("check", ("type", "vgpu:index:Guest"), ("name", "g2"), ("news", new JsonObject { ["vmid"] = 101, ["name"] = "vm1", ["mdevType"] = "nvidia-49", ["licenseToken"] = PulumiEngine.Secret("tok"), ["cores"] = PulumiEngine.Unknown })),
            Step("check", ("type", "vgpu:index:Nope"), ("name", "x"), ("news", new JsonObject())),
            Step("check", ("type", "vgpu:index:Guest"), ("name", "g3"), ("news", new JsonObject { ["vmid"] = 5, ["name"] = "vm1", ["mdevType"] = "nvidia-49" })),
        ]);
        var failures = run.Ok(0)["failures"]!.AsArray().ToDictionary(f => f!["property"]!.GetValue<string>(), f => f!["reason"]!.GetValue<string>());
        Assert.Contains("cores", failures.Keys);
        Assert.Contains("colour", failures.Keys);
        Assert.Contains("mdevUuid", failures.Keys);
        Assert.Contains("name", failures.Keys);
        Assert.Contains("missing required", failures["name"], StringComparison.Ordinal);

        var ok = run.Ok(1);
        Assert.Empty(ok["failures"]!.AsArray());
        var inputs = ok["inputs"]!.AsObject();
        Assert.True(PulumiEngine.IsSecret(inputs["licenseToken"]), "a secret input stays secret in Check's inputs");
        Assert.Equal(PulumiEngine.Unknown, inputs["cores"]!.GetValue<string>());
        Assert.Equal("q35", inputs["machine"]!.GetValue<string>());

        Assert.Equal("INVALID_ARGUMENT", run.Step(2)["code"]!.GetValue<string>());
        Assert.Contains(run.Ok(3)["failures"]!.AsArray(), f => f!["property"]!.GetValue<string>() == "vmid");
    }
}
