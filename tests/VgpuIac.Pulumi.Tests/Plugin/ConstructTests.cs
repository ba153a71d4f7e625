using System.Text.Json.Nodes;
using VgpuIac.Engine.Catalog;
using VgpuIac.Pulumi.Schema;
using VgpuIac.Pulumi.Tests.Support;

namespace VgpuIac.Pulumi.Tests.Plugin;

/// <summary>
/// Construct of <c>vgpu:index:VgpuNode</c> against a fake ResourceMonitor (grpc-js, in the Node client): which children
/// are registered, with what names, parents, provider, inputs, dependencies, and what the component returns.
/// The provider is not configured here, so any attempt to reach a node would fail the call.
/// </summary>
public sealed class ConstructTests
{
    private const string ProviderRef = "urn:pulumi:test::vgpu-tests::pulumi:providers:vgpu::lab::0f1e";

    private static JsonObject Construct(JsonObject inputs, bool dryRun) => new()
    {
        ["rpc"] = "construct",
        ["type"] = "vgpu:index:VgpuNode",
        ["name"] = "n1",
        ["dryRun"] = dryRun,
        ["inputs"] = inputs,
        ["providers"] = new JsonObject { ["vgpu"] = ProviderRef },
        ["inputDependencies"] = new JsonObject { ["guests"] = new JsonArray("urn:pulumi:test::vgpu-tests::random:index:RandomId::seed") },
    };

    private static JsonObject Inputs() => new()
    {
        ["node"] = "pve1",
        ["licenseServer"] = new JsonObject { ["dlsUrl"] = "10.0.0.9", ["hosting"] = "docker_host" },
        ["guests"] = new JsonArray(
            new JsonObject { ["vmid"] = 101, ["name"] = "vm1" },
            new JsonObject { ["vmid"] = 102, ["name"] = "vm2", ["licenseToken"] = PulumiEngine.Secret("own-token") }),
    };

    private static JsonObject Monitor() => new()
    {
        ["extraOutputs"] = new JsonObject
        {
            ["vgpu:index:DlsLicenseServer"] = new JsonObject { ["url"] = "https://10.0.0.9:443", ["clientToken"] = PulumiEngine.Secret("dls-token") },
            ["vgpu:index:Guest"] = new JsonObject { ["licenseStatus"] = "Licensed" },
        },
        ["invokeReturn"] = new JsonObject { ["hostname"] = "pve1" },
    };

    [EngineFact]
    public async Task Registers_the_component_then_its_children_parented_named_and_wired()
    {
        Assert.Contains(EngineCatalog.Resources, r => r.Definition.Name == "guest");
        Assert.Contains(EngineCatalog.Resources, r => r.Definition.Name == "dls_license_server");
        var run = await PulumiEngine.RunAsync([Construct(Inputs(), dryRun: false)], Monitor());
        var response = run.Ok(0);
        var registrations = run.Monitor!["registrations"]!.AsArray().Select(r => r!.AsObject()).ToList();

        var component = registrations[0];
        Assert.Equal("vgpu:index:VgpuNode", component["type"]!.GetValue<string>());
        Assert.Equal("n1", component["name"]!.GetValue<string>());
        Assert.False(component["custom"]!.GetValue<bool>());
        Assert.Empty(component["object"]!.AsObject());
        var componentUrn = component["urn"]!.GetValue<string>();
        Assert.Equal(componentUrn, response["urn"]!.GetValue<string>());

        var children = registrations.Skip(1).ToDictionary(r => r["name"]!.GetValue<string>());
        Assert.Equal(["n1-dls", "n1-guest-101", "n1-guest-102"], children.Keys.Order(StringComparer.Ordinal));
        foreach (var child in children.Values)
        {
            Assert.True(child["custom"]!.GetValue<bool>());
            Assert.Equal(componentUrn, child["parent"]!.GetValue<string>());
            Assert.Equal(ProviderRef, child["provider"]!.GetValue<string>());
            Assert.Equal(PulumiSchema.Version, child["version"]!.GetValue<string>());
            Assert.Equal("pve1", child["object"]!["node"]!.GetValue<string>());
            Assert.StartsWith("urn:pulumi:test::vgpu-tests::vgpu:index:VgpuNode$", child["urn"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        Assert.Equal("vgpu:index:DlsLicenseServer", children["n1-dls"]["type"]!.GetValue<string>());
        Assert.Equal("10.0.0.9", children["n1-dls"]["object"]!["dlsUrl"]!.GetValue<string>());
        var guest1 = children["n1-guest-101"];
        Assert.Equal("vgpu:index:Guest", guest1["type"]!.GetValue<string>());
        Assert.True(guest1["deleteBeforeReplace"]!.GetValue<bool>());
        Assert.Contains(children["n1-dls"]["urn"]!.GetValue<string>(), guest1["dependencies"]!.AsArray().Select(d => d!.GetValue<string>()));
        Assert.Contains("urn:pulumi:test::vgpu-tests::random:index:RandomId::seed", guest1["dependencies"]!.AsArray().Select(d => d!.GetValue<string>()));
        Assert.False(guest1["object"]!.AsObject().ContainsKey("resourceName"));

        // Guests without a token get the licence server's (a secret); a guest's own secret token stays its own, still secret.
        Assert.True(PulumiEngine.IsSecret(guest1["object"]!["licenseToken"]));
        Assert.Equal("dls-token", guest1["object"]!["licenseToken"]!["value"]!.GetValue<string>());
        var guest2 = children["n1-guest-102"];
        Assert.True(PulumiEngine.IsSecret(guest2["object"]!["licenseToken"]));
        Assert.Equal("own-token", guest2["object"]!["licenseToken"]!["value"]!.GetValue<string>());

        var state = response["state"]!.AsObject();
        Assert.Equal("pve1", state["node"]!.GetValue<string>());
        Assert.Equal("https://10.0.0.9:443", state["licenseServerUrl"]!.GetValue<string>());
        Assert.Equal("Licensed", state["guestLicenseStatuses"]!["n1-guest-101"]!.GetValue<string>());
        Assert.Equal("Licensed", state["guestLicenseStatuses"]!["n1-guest-102"]!.GetValue<string>());
        Assert.Equal([children["n1-dls"]["urn"]!.GetValue<string>()], response["stateDependencies"]!["licenseServerUrl"]!.AsArray().Select(u => u!.GetValue<string>()));

        if (EngineCatalog.DataSources.Any(d => d.Definition.PulumiName == "getNode"))
        {
            // Node facts come from the getNode function, invoked through the monitor with the component's provider.
            var invoke = run.Monitor!["invokes"]!.AsArray().Single()!;
            Assert.Equal("vgpu:index:getNode", invoke["tok"]!.GetValue<string>());
            Assert.Equal(ProviderRef, invoke["provider"]!.GetValue<string>());
            Assert.Equal("pve1", invoke["args"]!["node"]!.GetValue<string>());
            Assert.Equal("pve1", state["nodeFacts"]!["hostname"]!.GetValue<string>());
        }

        var outputs = run.Monitor!["outputs"]!.AsArray().Single()!;
        Assert.Equal(componentUrn, outputs["urn"]!.GetValue<string>());
        Assert.Equal(state.ToJsonString(), outputs["outputs"]!.ToJsonString());
    }

    [EngineFact]
    public async Task A_preview_registers_the_same_children_and_returns_unknowns_for_what_is_not_computed_yet()
    {
        var run = await PulumiEngine.RunAsync([Construct(Inputs(), dryRun: true)], new JsonObject());
        var state = run.Ok(0)["state"]!.AsObject();
        var names = run.Monitor!["registrations"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()).ToList();
        Assert.Equal(["n1", "n1-dls", "n1-guest-101", "n1-guest-102"], names.Order(StringComparer.Ordinal));
        Assert.Equal(PulumiEngine.Unknown, state["licenseServerUrl"]!.GetValue<string>());
        Assert.Equal(PulumiEngine.Unknown, state["guestLicenseStatuses"]!["n1-guest-101"]!.GetValue<string>());
    }

    [EngineFact]
    public async Task Bad_component_inputs_and_clashing_child_names_are_rejected_before_anything_is_registered()
    {
        var bad = Inputs();
        bad["colour"] = "red";
        var clash = Inputs();
        clash["guests"] = new JsonArray(new JsonObject { ["vmid"] = 101, ["name"] = "a" }, new JsonObject { ["vmid"] = 101, ["name"] = "b" });
        var run = await PulumiEngine.RunAsync([Construct(bad, dryRun: true), Construct(clash, dryRun: true)], new JsonObject());
        Assert.Equal("INVALID_ARGUMENT", run.Step(0)["code"]!.GetValue<string>());
        Assert.Contains("colour", run.Step(0)["details"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("INVALID_ARGUMENT", run.Step(1)["code"]!.GetValue<string>());
        Assert.Contains("n1-guest-101", run.Step(1)["details"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain(run.Monitor!["registrations"]!.AsArray(), r => r!["custom"]!.GetValue<bool>() && r["name"]!.GetValue<string>() == "n1-guest-101" && r["object"]!["name"]!.GetValue<string>() == "b");
    }

    [EngineFact]
    public async Task After_a_deployment_every_declared_output_is_known_or_null_even_when_a_child_lacks_a_value()
    {
        // The children report no url, no licence status and the facts function returns nothing: outside a preview the
        // component must not answer unknown for them (the engine rejects unknowns after an update).
        var declared = JsonNode.Parse(PulumiSchema.Render())!["resources"]!["vgpu:index:VgpuNode"]!["properties"]!.AsObject().Select(kv => kv.Key).ToList();
        var withoutDls = Inputs();
        withoutDls.Remove("licenseServer");
        var run = await PulumiEngine.RunAsync([Construct(Inputs(), dryRun: false), Construct(withoutDls, dryRun: false), Construct(Inputs(), dryRun: true)], new JsonObject());

        foreach (var step in new[] { 0, 1 })
        {
            var state = run.Ok(step)["state"]!.AsObject();
            Assert.Equal(declared.Order(StringComparer.Ordinal), state.Select(kv => kv.Key).Order(StringComparer.Ordinal));
            Assert.DoesNotContain(PulumiEngine.Unknown, state.ToJsonString(), StringComparison.Ordinal);
            Assert.Equal("pve1", state["node"]!.GetValue<string>());
            Assert.Null(state["licenseServerUrl"]);
        }

        var first = run.Ok(0)["state"]!.AsObject();
        Assert.Null(first["guestLicenseStatuses"]!["n1-guest-101"]);
        Assert.True(first["guestLicenseStatuses"]!.AsObject().ContainsKey("n1-guest-102"));
        var registered = run.Monitor!["outputs"]!.AsArray();
        Assert.DoesNotContain(PulumiEngine.Unknown, registered[0]!["outputs"]!.ToJsonString(), StringComparison.Ordinal);

        // The same component in a preview: what the children have not computed yet is unknown.
        var preview = run.Ok(2)["state"]!.AsObject();
        Assert.Equal(PulumiEngine.Unknown, preview["licenseServerUrl"]!.GetValue<string>());
        Assert.Equal(PulumiEngine.Unknown, preview["guestLicenseStatuses"]!["n1-guest-101"]!.GetValue<string>());
    }
}
