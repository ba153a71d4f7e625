using System.Text;
using Google.Protobuf;
using VgpuIac.Engine.Values;
using VgpuIac.Terraform.Cty;
using VgpuIac.Terraform.Protocol;
using VgpuIac.Terraform.Service;
using VgpuIac.Terraform.Tests.Support;

namespace VgpuIac.Terraform.Tests.Planning;

/// <summary>The tfplugin6 RPCs called in-process with wire-encoded values.</summary>
public sealed class ProviderServiceRpcTests
{
    private readonly DoorHarness _door = new();
    private readonly TestServerCallContext _context = new();

    private DynamicValue Encode(Value value) => WireValues.Encode(value, _door.Entry.Type);

    private Value Decode(DynamicValue value) => WireValues.Decode(value, _door.Entry.Type);

    [Fact]
    public async Task UpgradeResourceState_reads_stored_json_drops_removed_attributes_and_fills_missing_ones()
    {
        var json = """{"id":"w1","name":"w1","size":0.1,"mode":"fast","uid":"u","status":"ready","removed_long_ago":true,"port":[{"number":22,"state":"open"}]}""";
        var response = await _door.Service.UpgradeResourceState(new UpgradeResourceState.Types.Request
        {
            TypeName = "vgpu_widget",
            Version = 1,
            RawState = new RawState { Json = ByteString.CopyFrom(Encoding.UTF8.GetBytes(json)) },
        }, _context);

        Assert.Empty(response.Diagnostics);
        var state = Decode(response.UpgradedState);
        Assert.Equal(0.1m, state["size"].AsNumber());
        Assert.Equal(Value.Null, state["tags"]);
        Assert.Equal(Value.Null, state["timeouts"]);
        Assert.Equal(Value.Number(22), state["port"].Items[0]["number"]);
    }

    [Fact]
    public async Task UpgradeResourceState_refuses_state_from_a_newer_schema()
    {
        var response = await _door.Service.UpgradeResourceState(new UpgradeResourceState.Types.Request
        {
            TypeName = "vgpu_widget",
            Version = 7,
            RawState = new RawState { Json = ByteString.CopyFromUtf8("{}") },
        }, _context);

        var error = Assert.Single(response.Diagnostics);
        Assert.Equal(Protocol.Diagnostic.Types.Severity.Error, error.Severity);
    }

    [Fact]
    public async Task ReadResource_returns_null_when_the_object_is_gone_and_echoes_private_state()
    {
        var gone = _door.Widget_(("id", Value.String("gone")), ("name", Value.String("gone")));
        var response = await _door.Service.ReadResource(new ReadResource.Types.Request
        {
            TypeName = "vgpu_widget",
            CurrentState = Encode(gone),
            Private = ByteString.CopyFromUtf8("opaque"),
        }, _context);

        Assert.Empty(response.Diagnostics);
        Assert.Null(response.NewState);
        Assert.Equal("opaque", response.Private.ToStringUtf8());
    }

    [Fact]
    public async Task A_replacement_create_is_told_which_object_it_replaces_through_private_data()
    {
        // Terraform's first call: with the prior state (the name change forces replacement)
        var prior = _door.Widget_(("id", Value.String("w1")), ("name", Value.String("w1")), ("mode", Value.String("fast")), ("uid", Value.String("u1")), ("status", Value.String("ready")));
        var config = _door.Widget_(("name", Value.String("w2")));
        var first = await _door.Service.PlanResourceChange(new PlanResourceChange.Types.Request
        {
            TypeName = "vgpu_widget",
            PriorState = Encode(prior),
            ProposedNewState = Encode(config),
            Config = Encode(config),
        }, _context);
        Assert.Empty(first.Diagnostics);
        Assert.Null(_door.Widget.LastPlan!.Replacing);
        Assert.False(first.PlannedPrivate.IsEmpty);

        // its second call: a create with a null prior state and the first call's private data
        var second = await _door.Service.PlanResourceChange(new PlanResourceChange.Types.Request
        {
            TypeName = "vgpu_widget",
            PriorState = Encode(Value.Null),
            ProposedNewState = Encode(config),
            Config = Encode(config),
            PriorPrivate = first.PlannedPrivate,
        }, _context);
        Assert.Empty(second.Diagnostics);
        Assert.Equal("w1", _door.Widget.LastPlan!.Replacing);

        // a plain create has no private data and replaces nothing
        await _door.Service.PlanResourceChange(new PlanResourceChange.Types.Request
        {
            TypeName = "vgpu_widget",
            PriorState = Encode(Value.Null),
            ProposedNewState = Encode(config),
            Config = Encode(config),
        }, _context);
        Assert.Null(_door.Widget.LastPlan!.Replacing);

        // foreign private data is not taken for a mark
        Assert.Null(ReplacementPrivate.Read(ByteString.CopyFromUtf8("opaque")));
    }

    [Fact]
    public async Task ReadResource_keeps_the_timeouts_the_state_had()
    {
        var timeouts = Value.Object(("create", Value.String("1m")), ("read", Value.Null), ("update", Value.Null), ("delete", Value.Null));
        var current = _door.Widget_(("id", Value.String("w1")), ("name", Value.String("w1")), ("mode", Value.String("fast")), ("timeouts", timeouts));
        var response = await _door.Service.ReadResource(new ReadResource.Types.Request { TypeName = "vgpu_widget", CurrentState = Encode(current) }, _context);

        Assert.Equal(current, Decode(response.NewState));
    }

    [Fact]
    public async Task ImportResourceState_returns_a_typed_state_with_the_id()
    {
        var response = await _door.Service.ImportResourceState(new ImportResourceState.Types.Request { TypeName = "vgpu_widget", Id = "w9" }, _context);

        var imported = Assert.Single(response.ImportedResources);
        Assert.Equal("vgpu_widget", imported.TypeName);
        var state = Decode(imported.State);
        Assert.Equal(Value.String("w9"), state["id"]);
        Assert.Equal(Value.Null, state["timeouts"]);
    }

    [Fact]
    public async Task ValidateResourceConfig_reports_schema_and_engine_problems_with_paths()
    {
        var config = _door.Widget_(("name", Value.String("forbidden")), ("size", Value.Number(-2)));
        var response = await _door.Service.ValidateResourceConfig(new ValidateResourceConfig.Types.Request { TypeName = "vgpu_widget", Config = Encode(config) }, _context);

        Assert.Contains(response.Diagnostics, d => d.Attribute.Steps.Single().AttributeName == "name");
        Assert.Contains(response.Diagnostics, d => d.Attribute.Steps.Single().AttributeName == "size");
    }

    [Fact]
    public async Task An_unknown_type_name_is_a_diagnostic_and_a_bug_is_caught_at_the_boundary()
    {
        var unknownType = await _door.Service.ReadResource(new ReadResource.Types.Request { TypeName = "vgpu_nope" }, _context);
        Assert.Contains("Unknown resource type", unknownType.Diagnostics.Single().Summary, StringComparison.Ordinal);

        _door.Widget.ApplyOverride = _ => throw new InvalidOperationException("boom");
        var config = _door.Widget_(("name", Value.String("w1")));
        var planned = config.With("mode", Value.String("fast")).With("uid", Value.Unknown).With("status", Value.Unknown).With("id", Value.Unknown);
        var response = await _door.Service.ApplyResourceChange(new ApplyResourceChange.Types.Request
        {
            TypeName = "vgpu_widget",
            PriorState = Encode(Value.Null),
            PlannedState = Encode(planned),
            Config = Encode(config),
        }, _context);

        var bug = Assert.Single(response.Diagnostics);
        Assert.Contains("bug in the vgpu provider", bug.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_msgpack_becomes_a_diagnostic()
    {
        var response = await _door.Service.ValidateResourceConfig(new ValidateResourceConfig.Types.Request
        {
            TypeName = "vgpu_widget",
            Config = new DynamicValue { Msgpack = ByteString.CopyFrom(0x81, 0xA1, 0x78, 0x01) },
        }, _context);

        Assert.Contains("Unable to decode", response.Diagnostics.Single().Summary, StringComparison.Ordinal);
        _ = CtyType.String;
    }

    [Fact]
    public async Task StopProvider_cancels_work_in_flight()
    {
        var session = new ProviderSession();
        var token = session.StopToken;
        session.Stop();
        Assert.True(token.IsCancellationRequested);
        Assert.False(session.StopToken.IsCancellationRequested);
        await session.DisposeAsync();
    }
}
