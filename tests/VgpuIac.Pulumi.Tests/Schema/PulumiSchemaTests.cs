using System.Text.Json;
using System.Text.RegularExpressions;
using VgpuIac.Engine.Catalog;
using VgpuIac.Pulumi.Schema;
using VgpuIac.Pulumi.Tests.Support;

namespace VgpuIac.Pulumi.Tests.Schema;

/// <summary>
/// Package-schema rules Pulumi's codegen relies on (pkg/codegen/schema/pulumi.json and the binder), checked on the
/// schema rendered from the real catalog and from a sample catalog with every child kind and nested shape.
/// </summary>
public sealed partial class PulumiSchemaTests
{
    private static readonly string[] PropertyTypes = ["boolean", "integer", "number", "string", "array", "object"];

    public static TheoryData<string> Schemas => new()
    {
        "engine",
        "sample",
    };

    [GeneratedRegex(@"^[a-zA-Z][-a-zA-Z0-9_]*:([^0-9][a-zA-Z0-9._/-]*)?:[^0-9][a-zA-Z0-9._/]*$")]
    private static partial Regex Token();

    [Theory]
    [MemberData(nameof(Schemas))]
    public void Top_level_fields_and_csharp_settings(string which)
    {
        using var doc = Render(which);
        var root = doc.RootElement;
        Assert.Equal("vgpu", root.GetProperty("name").GetString());
        Assert.Matches(@"^\d+\.\d+\.\d+", root.GetProperty("version").GetString());
        var csharp = root.GetProperty("language").GetProperty("csharp");
        Assert.Equal("Pulumi", csharp.GetProperty("rootNamespace").GetString());
        Assert.Equal("3.*", csharp.GetProperty("packageReferences").GetProperty("Pulumi").GetString());
        Assert.Equal("Vgpu", csharp.GetProperty("namespaces").GetProperty("vgpu").GetString());
        Assert.True(root.GetProperty("config").GetProperty("variables").TryGetProperty("node", out var node));
        Assert.Equal("object", node.GetProperty("type").GetString());
        Assert.True(root.GetProperty("config").GetProperty("variables").GetProperty("privateKey").GetProperty("secret").GetBoolean());
        Assert.True(root.GetProperty("provider").GetProperty("inputProperties").GetProperty("password").GetProperty("secret").GetBoolean());
    }

    [Theory]
    [MemberData(nameof(Schemas))]
    public void Every_token_is_pkg_module_type_and_every_ref_resolves(string which)
    {
        using var doc = Render(which);
        var root = doc.RootElement;
        var types = root.GetProperty("types");
        foreach (var section in new[] { "resources", "functions", "types" })
        {
            foreach (var entry in root.GetProperty(section).EnumerateObject())
            {
                Assert.Matches(Token(), entry.Name);
                Assert.StartsWith("vgpu:index:", entry.Name, StringComparison.Ordinal);
            }
        }

        foreach (var reference in AllRefs(root))
        {
            if (reference.StartsWith("pulumi.json#/", StringComparison.Ordinal))
            {
                Assert.Contains(reference, new[] { "pulumi.json#/Any", "pulumi.json#/Asset", "pulumi.json#/Archive" });
                continue;
            }

            Assert.StartsWith("#/types/", reference, StringComparison.Ordinal);
            Assert.True(types.TryGetProperty(reference["#/types/".Length..], out _), $"unresolved {reference}");
        }
    }

    [Theory]
    [MemberData(nameof(Schemas))]
    public void Resources_have_consistent_inputs_outputs_required_lists_and_secret_flags(string which)
    {
        using var doc = Render(which);
        foreach (var resource in doc.RootElement.GetProperty("resources").EnumerateObject())
        {
            var inputs = resource.Value.GetProperty("inputProperties");
            var outputs = resource.Value.GetProperty("properties");
            Assert.False(outputs.TryGetProperty("id", out _), $"{resource.Name}: `id` is reserved");
            Assert.False(outputs.TryGetProperty("urn", out _), $"{resource.Name}: `urn` is reserved");
            foreach (var name in Names(resource.Value, "requiredInputs"))
            {
                Assert.True(inputs.TryGetProperty(name, out _), $"{resource.Name}: required input {name} is not an input");
            }

            foreach (var name in Names(resource.Value, "required"))
            {
                Assert.True(outputs.TryGetProperty(name, out _), $"{resource.Name}: required output {name} is not an output");
            }

            foreach (var input in inputs.EnumerateObject())
            {
                CheckPropertySpec(resource.Name + "." + input.Name, input.Value);
                if (outputs.TryGetProperty(input.Name, out var output))
                {
                    Assert.Equal(IsSecret(input.Value), IsSecret(output));
                }
            }

            foreach (var output in outputs.EnumerateObject())
            {
                CheckPropertySpec(resource.Name + "." + output.Name, output.Value);
            }
        }

        foreach (var type in doc.RootElement.GetProperty("types").EnumerateObject())
        {
            Assert.Equal("object", type.Value.GetProperty("type").GetString());
            foreach (var name in Names(type.Value, "required"))
            {
                Assert.True(type.Value.GetProperty("properties").TryGetProperty(name, out _), $"{type.Name}: required {name} missing");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Schemas))]
    public void Every_catalog_resource_and_data_source_is_rendered(string which)
    {
        var (resources, dataSources) = Catalog(which);
        using var doc = Render(which);
        foreach (var r in resources)
        {
            Assert.True(doc.RootElement.GetProperty("resources").TryGetProperty($"vgpu:index:{r.Definition.PulumiName}", out _), r.Definition.PulumiName);
        }

        foreach (var d in dataSources)
        {
            Assert.True(doc.RootElement.GetProperty("functions").TryGetProperty($"vgpu:index:{d.Definition.PulumiName}", out var f), d.Definition.PulumiName);
            Assert.Equal(JsonValueKind.Object, f.GetProperty("inputs").GetProperty("properties").ValueKind);
            Assert.Equal(JsonValueKind.Object, f.GetProperty("outputs").GetProperty("properties").ValueKind);
        }
    }

    [Fact]
    public void The_component_has_inputs_for_each_child_kind_and_typed_outputs()
    {
        using var doc = Render("sample");
        var component = doc.RootElement.GetProperty("resources").GetProperty("vgpu:index:VgpuNode");
        Assert.True(component.GetProperty("isComponent").GetBoolean());
        var inputs = component.GetProperty("inputProperties");
        Assert.Equal("string", inputs.GetProperty("node").GetProperty("type").GetString());
        Assert.Equal("#/types/vgpu:index:VgpuNodeHostDriver", inputs.GetProperty("hostDriver").GetProperty("$ref").GetString());
        Assert.Equal("#/types/vgpu:index:VgpuNodeUnlock", inputs.GetProperty("unlock").GetProperty("$ref").GetString());
        Assert.Equal("#/types/vgpu:index:VgpuNodeLicenseServer", inputs.GetProperty("licenseServer").GetProperty("$ref").GetString());
        Assert.Equal("array", inputs.GetProperty("profileOverrides").GetProperty("type").GetString());
        Assert.Equal("#/types/vgpu:index:VgpuNodeGuest", inputs.GetProperty("guests").GetProperty("items").GetProperty("$ref").GetString());

        var guest = doc.RootElement.GetProperty("types").GetProperty("vgpu:index:VgpuNodeGuest");
        Assert.False(guest.GetProperty("properties").TryGetProperty("node", out _));
        Assert.True(guest.GetProperty("properties").TryGetProperty("resourceName", out _));
        Assert.True(guest.GetProperty("properties").GetProperty("licenseToken").GetProperty("secret").GetBoolean());
        Assert.Contains("vmid", Names(guest, "required"));

        var outputs = component.GetProperty("properties");
        Assert.Equal("#/types/vgpu:index:VgpuNodeFacts", outputs.GetProperty("nodeFacts").GetProperty("$ref").GetString());
        Assert.Equal("string", outputs.GetProperty("licenseServerUrl").GetProperty("type").GetString());
        Assert.Equal("string", outputs.GetProperty("guestLicenseStatuses").GetProperty("additionalProperties").GetProperty("type").GetString());
    }

    [Fact]
    public void Component_inputs_exist_only_for_child_kinds_in_the_engine_catalog()
    {
        using var doc = Render("engine");
        var inputs = doc.RootElement.GetProperty("resources").GetProperty("vgpu:index:VgpuNode").GetProperty("inputProperties");
        var names = EngineCatalog.Resources.Select(r => r.Definition.Name).ToHashSet();
        Assert.Equal(names.Contains("host_driver"), inputs.TryGetProperty("hostDriver", out _));
        Assert.Equal(names.Contains("guest"), inputs.TryGetProperty("guests", out _));
        Assert.Equal(names.Contains("dls_license_server"), inputs.TryGetProperty("licenseServer", out _));
    }

    [Fact]
    public void Forced_replacement_and_defaults_are_rendered()
    {
        using var doc = Render("sample");
        var driver = doc.RootElement.GetProperty("resources").GetProperty("vgpu:index:HostDriver");
        Assert.True(driver.GetProperty("inputProperties").GetProperty("version").GetProperty("replaceOnChanges").GetBoolean());
        Assert.True(driver.GetProperty("inputProperties").GetProperty("node").GetProperty("replaceOnChanges").GetBoolean());
        Assert.Contains("pulumi import vgpu:index:HostDriver", driver.GetProperty("description").GetString(), StringComparison.Ordinal);
        var unlock = doc.RootElement.GetProperty("resources").GetProperty("vgpu:index:Unlock");
        Assert.True(unlock.GetProperty("inputProperties").GetProperty("enabled").GetProperty("default").GetBoolean());
        Assert.Contains("enabled", Names(unlock, "required"));
    }

    [Fact]
    public void Whole_number_attributes_render_as_integer_and_fractions_stay_number()
    {
        using var doc = Render("engine");
        var root = doc.RootElement;
        var resources = root.GetProperty("resources");
        string TypeOf(string token, string property) =>
            resources.GetProperty(token).GetProperty("inputProperties").GetProperty(property).GetProperty("type").GetString()!;

        // AttrType.Integer in the definition
        Assert.Equal("integer", TypeOf("vgpu:index:DlsLicenseServer", "vmid"));
        Assert.Equal("integer", TypeOf("vgpu:index:DlsLicenseServer", "dlsPort"));
        Assert.Equal("integer", TypeOf("vgpu:index:DlsLicenseServer", "memoryMb"));
        Assert.Equal("integer", TypeOf("vgpu:index:ProfileOverride", "vmid"));
        Assert.Equal("integer", TypeOf("vgpu:index:ProfileOverride", "numDisplays"));
        Assert.Equal("integer", root.GetProperty("provider").GetProperty("inputProperties").GetProperty("port").GetProperty("type").GetString());
        Assert.Equal("integer", root.GetProperty("config").GetProperty("variables").GetProperty("port").GetProperty("type").GetString());
        var restart = resources.GetProperty("vgpu:index:ProfileOverride").GetProperty("properties").GetProperty("restartRequiredVms");
        Assert.Equal("integer", restart.GetProperty("items").GetProperty("type").GetString());

        // AttrType.Number with a whole-number validator (IntRange)
        Assert.Equal("integer", TypeOf("vgpu:index:Guest", "vmid"));
        Assert.Equal("integer", TypeOf("vgpu:index:Guest", "cores"));
        Assert.Equal("integer", TypeOf("vgpu:index:Guest", "memoryMb"));
        Assert.Equal("integer", TypeOf("vgpu:index:Guest", "diskSizeGb"));

        // a fraction stays a number, and so do values that may not fit the 32-bit int an SDK integer is (64-bit keys, bytes);
        // the default of an integer is written without a fraction
        Assert.Equal("number", TypeOf("vgpu:index:DlsLicenseServer", "leaseRenewalPeriod"));
        Assert.Equal("number", TypeOf("vgpu:index:ProfileOverride", "pciId"));
        Assert.Equal("number", resources.GetProperty("vgpu:index:ProfileOverride").GetProperty("properties").GetProperty("framebufferBytes").GetProperty("type").GetString());
        Assert.Equal(4, resources.GetProperty("vgpu:index:Guest").GetProperty("inputProperties").GetProperty("cores").GetProperty("default").GetInt32());

        // nested object fields of a function
        var gpuTypes = AllTypeSpecs(root.GetProperty("types")).Where(t => t.Name == "availableInstances").ToList();
        Assert.NotEmpty(gpuTypes);
        Assert.All(gpuTypes, t => Assert.Equal("integer", t.Spec.GetProperty("type").GetString()));
    }

    private static IEnumerable<(string Name, JsonElement Spec)> AllTypeSpecs(JsonElement types) =>
        types.EnumerateObject()
            .Where(t => t.Value.TryGetProperty("properties", out _))
            .SelectMany(t => t.Value.GetProperty("properties").EnumerateObject().Select(p => (p.Name, p.Value)));

    [Fact]
    public void Rendering_is_deterministic()
    {
        Assert.Equal(PulumiSchema.Render(), PulumiSchema.Render());
    }

    private static (IReadOnlyList<Engine.Resources.IResource>, IReadOnlyList<Engine.Resources.IDataSource>) Catalog(string which) =>
        which == "engine" ? (EngineCatalog.Resources, EngineCatalog.DataSources) : DefinitionOnly.SampleCatalog();

    private static JsonDocument Render(string which)
    {
        var (resources, dataSources) = Catalog(which);
        return JsonDocument.Parse(PulumiSchema.Render(EngineCatalog.Provider, resources, dataSources));
    }

    private static void CheckPropertySpec(string where, JsonElement spec)
    {
        if (spec.TryGetProperty("$ref", out _))
        {
            return;
        }

        var type = spec.GetProperty("type").GetString();
        Assert.Contains(type, PropertyTypes);
        if (type == "array")
        {
            CheckPropertySpec(where + "[]", spec.GetProperty("items"));
        }
        else if (type == "object")
        {
            Assert.True(spec.TryGetProperty("additionalProperties", out var element), $"{where}: an object property must be a map or a $ref");
            CheckPropertySpec(where + "{}", element);
        }
    }

    private static bool IsSecret(JsonElement spec) => spec.TryGetProperty("secret", out var s) && s.GetBoolean();

    private static List<string> Names(JsonElement e, string property) =>
        e.TryGetProperty(property, out var list) ? [.. list.EnumerateArray().Select(x => x.GetString()!)] : [];

    private static IEnumerable<string> AllRefs(JsonElement e)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in e.EnumerateObject())
                {
                    if (p.Name == "$ref")
                    {
                        yield return p.Value.GetString()!;
                    }
                    else
                    {
                        foreach (var r in AllRefs(p.Value))
                        {
                            yield return r;
                        }
                    }
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in e.EnumerateArray())
                {
                    foreach (var r in AllRefs(item))
                    {
                        yield return r;
                    }
                }

                break;
        }
    }
}
