using System.Text.Json.Nodes;
using VgpuIac.Engine.Catalog;
using VgpuIac.Engine.Resources;
using VgpuIac.Engine.Schema;
using VgpuIac.Engine.Values;
using VgpuIac.Pulumi.Schema;
using VgpuIac.Pulumi.Tests.Support;

namespace VgpuIac.Pulumi.Tests.Schema;

/// <summary>
/// The SDKs Pulumi generates from our schema (C# through <c>pulumi package add</c>/<c>gen-sdk</c>, and Python and TypeScript)
/// compile as far as names go: <see cref="SdkNaming"/> applies the generators' naming rules to every resource, object type,
/// function, the provider and the component. The checks are shown to fail on a schema that breaks each rule.
/// </summary>
public sealed class SdkNamingTests
{
    private static JsonObject Rendered() => JsonNode.Parse(PulumiSchema.Render())!.AsObject();

    [Fact]
    public void The_schema_keeps_every_naming_rule_of_the_csharp_python_and_typescript_generators()
    {
        var schema = Rendered();
        var classes = SdkNaming.Classes(schema);
        Assert.Contains(classes, c => c is { Language: "csharp", Name: "VgpuNode" });
        Assert.Contains(classes, c => c is { Language: "csharp", Name: "GetNodeResult" });
        Assert.Contains(classes, c => c is { Language: "csharp", Namespace: "Pulumi.Vgpu.Inputs", Name: "VgpuNodeGuestArgs" });
        foreach (var token in schema["resources"]!.AsObject().Select(kv => kv.Key).Concat(schema["types"]!.AsObject().Select(kv => kv.Key)).Concat(schema["functions"]!.AsObject().Select(kv => kv.Key)))
        {
            Assert.Contains(classes, c => c.Origin == token && c.Language == "csharp");
        }

        var violations = SdkNaming.Violations(schema);
        Assert.True(violations.Count == 0, "the generated SDKs would not compile:\n" + string.Join("\n", violations));
    }

    [Fact]
    public void Unlock_output_unlock_is_UnlockValue_in_csharp_on_inputs_and_outputs_alike()
    {
        var unlock = Rendered()["resources"]!["vgpu:index:Unlock"]!;
        Assert.Equal("UnlockValue", unlock["properties"]!["unlock"]!["language"]!["csharp"]!["name"]!.GetValue<string>());
        Assert.Equal("UnlockValue", unlock["inputProperties"]!["unlock"]!["language"]!["csharp"]!["name"]!.GetValue<string>());
        var csharp = SdkNaming.CSharpClasses(Rendered()).Single(c => c.Name == "Unlock");
        Assert.Null(csharp.Find("Unlock"));
        Assert.Equal("unlock", csharp.Find("UnlockValue")!.Property);

        // Other properties keep the default name (no override where none is needed).
        Assert.Null(unlock["properties"]!["libraryPath"]!["language"]);
    }

    [Fact]
    public void Any_property_named_like_its_class_is_renamed_for_csharp_not_only_unlock()
    {
        var guest = new DefinitionOnly(new ResourceDefinition
        {
            Name = "widget",
            PulumiName = "Widget",
            Kind = ObjectKind.Resource,
            Description = "A widget.",
            Attributes =
            [
                Attr.Computed("id", AttrType.String, "id"),
                Attr.WithDefault("widget", AttrType.Bool, Value.True, "the widget flag"),
                Attr.Optional("parts", AttrType.ListOf(AttrType.ObjectOf(new ObjectField("widget_parts", AttrType.String))), "parts"),
            ],
        });
        var schema = JsonNode.Parse(PulumiSchema.Render(EngineCatalog.Provider, [guest], []))!.AsObject();
        Assert.Equal("WidgetValue", schema["resources"]!["vgpu:index:Widget"]!["properties"]!["widget"]!["language"]!["csharp"]!["name"]!.GetValue<string>());
        Assert.Equal("WidgetPartsValue", schema["types"]!["vgpu:index:WidgetParts"]!["properties"]!["widgetParts"]!["language"]!["csharp"]!["name"]!.GetValue<string>());
        Assert.Empty(SdkNaming.Violations(schema));
    }

    [Fact]
    public void Without_the_override_the_unlock_output_is_cs0542()
    {
        var schema = Rendered();
        schema["resources"]!["vgpu:index:Unlock"]!["properties"]!["unlock"]!.AsObject().Remove("language");
        Assert.Contains(SdkNaming.Violations(schema), v => v.StartsWith("csharp: Unlock.Unlock (property unlock of vgpu:index:Unlock) is named like its enclosing type (CS0542)", StringComparison.Ordinal));
    }

    public static TheoryData<string, string, string> BrokenRules => new()
    {
        // rule, a schema fragment (resources/types) that breaks it, a piece of the expected message
        { "member named like its class", """{"resources":{"vgpu:index:Thing":{"properties":{"thing":{"type":"string"}}}}}""", "csharp: Thing.Thing (property thing of vgpu:index:Thing) is named like its enclosing type (CS0542)" },
        { "two properties equal after casing", """{"resources":{"vgpu:index:Thing":{"inputProperties":{"fooBar":{"type":"string"},"FooBar":{"type":"string"}}}}}""", "csharp: ThingArgs (vgpu:index:Thing) has two members named FooBar" },
        { "python snake_case collision", """{"types":{"vgpu:index:Part":{"properties":{"fooBar":{"type":"string"},"foo_bar":{"type":"string"}}}}}""", "python: Part (vgpu:index:Part) has two members named foo_bar" },
        { "override collides", """{"types":{"vgpu:index:Part":{"properties":{"a":{"type":"string","language":{"csharp":{"name":"B"}}},"b":{"type":"string"}}}}}""", "csharp: Part (vgpu:index:Part) has two members named B" },
        { "csharp member named like an inherited one", """{"resources":{"vgpu:index:Thing":{"properties":{"urn":{"type":"string"}}}}}""", "csharp: Thing (vgpu:index:Thing) has two members named Urn: property urn, the SDK's own Urn" },
        { "csharp static Get", """{"resources":{"vgpu:index:Thing":{"properties":{"get":{"type":"string"}}}}}""", "has two members named Get" },
        { "csharp keyword", """{"types":{"vgpu:index:Part":{"properties":{"x":{"type":"string","language":{"csharp":{"name":"class"}}}}}}}""", "csharp: Part.class (property x of vgpu:index:Part) is a reserved word" },
        { "python keyword", """{"types":{"vgpu:index:Part":{"properties":{"lambda":{"type":"string"}}}}}""", "python: Part.lambda (property lambda of vgpu:index:Part) is a reserved word" },
        { "python constructor argument", """{"resources":{"vgpu:index:Thing":{"inputProperties":{"opts":{"type":"string"}}}}}""", "python: ThingArgs (vgpu:index:Thing) has two members named opts" },
        { "typescript reserved word", """{"types":{"vgpu:index:Part":{"properties":{"default":{"type":"string"}}}}}""", "nodejs: Part.default (property default of vgpu:index:Part) is a reserved word" },
        { "class names from tokens clash", """{"types":{"vgpu:index:part":{"properties":{}},"vgpu:index:Part":{"properties":{}}}}""", "csharp: classes Part (vgpu:index:part), Part (vgpu:index:Part) clash in Pulumi.Vgpu.Outputs" },
        { "class name from token is no identifier", """{"types":{"vgpu:index:my-part":{"properties":{}}}}""", "csharp: class name My-part (vgpu:index:my-part) is not a valid identifier" },
        { "resource and function result clash", """{"resources":{"vgpu:index:GetXResult":{}},"functions":{"vgpu:index:getX":{"outputs":{"properties":{}}}}}""", "csharp: classes GetXResult (vgpu:index:GetXResult), GetXResult (vgpu:index:getX) clash in Pulumi.Vgpu" },
    };

    [Theory]
    [MemberData(nameof(BrokenRules))]
    public void Each_rule_reports_a_schema_that_breaks_it(string rule, string fragment, string expected)
    {
        var schema = JsonNode.Parse(fragment)!.AsObject();
        var violations = SdkNaming.Violations(schema);
        Assert.True(violations.Any(v => v.Contains(expected, StringComparison.Ordinal)), $"{rule}: expected \"{expected}\" in:\n{string.Join("\n", violations)}");
    }

    [Theory]
    [InlineData("hostKeySha256", "host_key_sha256")]
    [InlineData("pciID", "pci_id")]
    [InlineData("ipv6Address", "ipv6_address")]
    [InlineData("node", "node")]
    [InlineData("VgpuNode", "vgpu_node")]
    public void Python_names_are_snake_case(string camel, string snake) => Assert.Equal(snake, SdkNaming.PythonName(camel));
}
