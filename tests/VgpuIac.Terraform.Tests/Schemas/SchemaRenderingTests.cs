using Google.Protobuf;
using VgpuIac.Terraform.Schemas;
using VgpuIac.Terraform.Service;
using VgpuIac.Terraform.Tests.Support;

namespace VgpuIac.Terraform.Tests.Schemas;

/// <summary>Golden rendering of a small definition: wire names and flags are explicit, so any change shows up here.</summary>
public sealed class SchemaRenderingTests
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(false));

    [Fact]
    public void Widget_schema_matches_the_golden_rendering()
    {
        var door = new DoorHarness();
        var rendered = Formatter.Format(ProtoSchemaRenderer.Render(door.Entry.Block, door.Entry.Version));
        Assert.Equal(Golden, rendered);
    }

    [Fact]
    public void Provider_schema_response_advertises_plan_destroy_and_optional_schema_and_every_type_name()
    {
        var response = ProviderService.RenderSchema(new DoorHarness().Catalog);
        Assert.True(response.ServerCapabilities.PlanDestroy);
        Assert.True(response.ServerCapabilities.GetProviderSchemaOptional);
        Assert.Equal(["vgpu_widget"], response.ResourceSchemas.Keys);
        Assert.Equal("endpoint", response.Provider.Block.Attributes.Single().Name);
    }

    [Fact]
    public void Aliases_answer_bare_and_prefixed()
    {
        var definition = TestWidget.WidgetDefinition with { Aliases = ["gadget"] };
        Assert.Equal(["vgpu_widget", "gadget", "vgpu_gadget"], TerraformCatalog.TypeNames(definition));
    }

    private const string Golden =
        """{ "version": "1", "block": { "version": "1", "attributes": [ { "name": "id", "type": "InN0cmluZyI=", "description": "Identifier of this object, as `terraform import` takes it: `name`.", "computed": true, "descriptionKind": "MARKDOWN" }, { "name": "name", "type": "InN0cmluZyI=", "description": "Name.", "required": true, "descriptionKind": "MARKDOWN" }, { "name": "size", "type": "Im51bWJlciI=", "description": "Size. Must be positive.", "optional": true, "descriptionKind": "MARKDOWN" }, { "name": "mode", "type": "InN0cmluZyI=", "description": "Mode. Defaults to `\"fast\"`.", "optional": true, "computed": true, "descriptionKind": "MARKDOWN" }, { "name": "tags", "type": "WyJtYXAiLCJzdHJpbmciXQ==", "description": "Tags.", "optional": true, "descriptionKind": "MARKDOWN" }, { "name": "secret", "type": "InN0cmluZyI=", "description": "Secret.", "optional": true, "sensitive": true, "descriptionKind": "MARKDOWN" }, { "name": "uid", "type": "InN0cmluZyI=", "description": "Stable unique id.", "computed": true, "descriptionKind": "MARKDOWN" }, { "name": "status", "type": "InN0cmluZyI=", "description": "Status.", "computed": true, "descriptionKind": "MARKDOWN" } ], "blockTypes": [ { "typeName": "port", "block": { "attributes": [ { "name": "number", "type": "Im51bWJlciI=", "description": "Port number.", "required": true, "descriptionKind": "MARKDOWN" }, { "name": "state", "type": "InN0cmluZyI=", "description": "Port state.", "computed": true, "descriptionKind": "MARKDOWN" } ], "description": "Ports.", "descriptionKind": "MARKDOWN" }, "nesting": "LIST", "maxItems": "3" }, { "typeName": "timeouts", "block": { "attributes": [ { "name": "create", "type": "InN0cmluZyI=", "description": "Time limit for create operations.", "optional": true, "descriptionKind": "MARKDOWN" }, { "name": "read", "type": "InN0cmluZyI=", "description": "Time limit for read operations.", "optional": true, "descriptionKind": "MARKDOWN" }, { "name": "update", "type": "InN0cmluZyI=", "description": "Time limit for update operations.", "optional": true, "descriptionKind": "MARKDOWN" }, { "name": "delete", "type": "InN0cmluZyI=", "description": "Time limit for delete operations.", "optional": true, "descriptionKind": "MARKDOWN" } ], "description": "How long each operation may take before it is cancelled, as durations such as `30s`, `10m` or `1h30m`. Unset means no limit beyond the engine's own per-step timeouts.", "descriptionKind": "MARKDOWN" }, "nesting": "SINGLE" } ], "description": "A test widget.", "descriptionKind": "MARKDOWN" } }""";
}
