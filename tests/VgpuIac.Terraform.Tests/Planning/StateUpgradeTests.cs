using System.Text;
using System.Text.Json.Nodes;
using Google.Protobuf;
using VgpuIac.Engine.Catalog;
using VgpuIac.Engine.Schema;
using VgpuIac.Engine.Values;
using VgpuIac.Terraform.Cty;
using VgpuIac.Terraform.Protocol;
using VgpuIac.Terraform.Schemas;
using VgpuIac.Terraform.Service;
using VgpuIac.Terraform.Tests.Support;

namespace VgpuIac.Terraform.Tests.Planning;

/// <summary>UpgradeResourceState: current state passes through, older state runs its upgraders, newer state is refused.</summary>
public sealed class StateUpgradeTests
{
    private readonly DoorHarness _door = new();
    private readonly TestServerCallContext _context = new();

    private Task<UpgradeResourceState.Types.Response> UpgradeAsync(long version, string json) =>
        _door.Service.UpgradeResourceState(new UpgradeResourceState.Types.Request
        {
            TypeName = "vgpu_widget",
            Version = version,
            RawState = new RawState { Json = ByteString.CopyFrom(Encoding.UTF8.GetBytes(json)) },
        }, _context);

    [Fact]
    public void Every_shipped_resource_has_an_upgrader_from_each_older_schema_version()
    {
        foreach (var resource in EngineCatalog.Resources)
        {
            Assert.True(resource.Definition.Version >= 0, resource.Definition.Name);
            Assert.Empty(StateUpgraders.Shipped.MissingSteps(resource.Definition));
        }

        // the shipped catalog builds (it refuses a resource whose upgrade path has a gap)
        Assert.NotEmpty(new TerraformCatalog(EngineCatalog.Provider, EngineCatalog.Resources, EngineCatalog.DataSources).Resources);
    }

    [Fact]
    public void A_catalog_with_a_gap_in_a_resource_upgrade_path_is_refused()
    {
        var empty = new StateUpgraders(new Dictionary<string, IReadOnlyDictionary<long, Func<JsonObject, JsonObject>>>());
        Assert.Equal([0L], empty.MissingSteps(TestWidget.WidgetDefinition));
        var e = Assert.Throws<InvalidOperationException>(() => new TerraformCatalog(DoorHarness.ProviderDefinition, [new TestWidget()], [], empty));
        Assert.Contains("vgpu_widget", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task State_of_the_current_version_passes_through()
    {
        var response = await UpgradeAsync(1, """{"id":"w1","name":"w1","mode":"slow","uid":"u","status":"ready","port":[]}""");

        Assert.Empty(response.Diagnostics);
        var state = WireValues.Decode(response.UpgradedState, _door.Entry.Type);
        Assert.Equal(Value.String("slow"), state["mode"]);
        Assert.Equal(Value.String("u"), state["uid"]);
    }

    [Fact]
    public async Task State_of_an_older_version_runs_its_upgrader()
    {
        var response = await UpgradeAsync(0, """{"id":"w1","name":"w1","speed":"slow","uid":"u","status":"ready","port":[]}""");

        Assert.Empty(response.Diagnostics);
        var state = WireValues.Decode(response.UpgradedState, _door.Entry.Type);
        Assert.Equal(Value.String("slow"), state["mode"]);
        Assert.Equal(Value.String("w1"), state["name"]);
    }

    [Fact]
    public async Task State_from_a_newer_provider_is_refused_with_upgrade_the_provider()
    {
        var response = await UpgradeAsync(7, "{}");

        var error = Assert.Single(response.Diagnostics);
        Assert.Equal(Protocol.Diagnostic.Types.Severity.Error, error.Severity);
        Assert.Contains("newer vgpu provider", error.Summary, StringComparison.Ordinal);
        Assert.Contains("schema version 7", error.Detail, StringComparison.Ordinal);
        Assert.Contains("up to version 1", error.Detail, StringComparison.Ordinal);
        Assert.Contains("Upgrade the provider", error.Detail, StringComparison.Ordinal);
        Assert.Contains("terraform init -upgrade", error.Detail, StringComparison.Ordinal);
        Assert.Null(response.UpgradedState);
    }

    [Fact]
    public async Task Older_state_that_is_not_a_json_object_is_an_error_not_a_crash()
    {
        var response = await UpgradeAsync(0, "[1,2]");

        var error = Assert.Single(response.Diagnostics);
        Assert.Contains("Unable to upgrade the stored state of vgpu_widget", error.Summary, StringComparison.Ordinal);
    }
}
