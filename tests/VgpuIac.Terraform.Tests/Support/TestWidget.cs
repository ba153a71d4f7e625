using System.Collections.Immutable;
using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Resources;
using VgpuIac.Engine.Schema;
using VgpuIac.Engine.Values;

namespace VgpuIac.Terraform.Tests.Support;

/// <summary>
/// A small in-memory resource for door tests: the engine side is a plain echo planner and an apply that
/// "creates" by filling computed values, so what is asserted is the door's own behaviour.
/// </summary>
public sealed class TestWidget : IResource
{
    public static ResourceDefinition WidgetDefinition { get; } = new()
    {
        Name = "widget",
        PulumiName = "Widget",
        Kind = ObjectKind.Resource,
        Description = "A test widget.",
        Version = 1,
        ImportIdFormat = "name",
        Attributes =
        [
            Attr.Required("name", AttrType.String, "Name.") with { ForcesReplacement = true },
            Attr.Optional("size", AttrType.Number, "Size.") with { Validators = [new PositiveNumber()] },
            Attr.WithDefault("mode", AttrType.String, Value.String("fast"), "Mode."),
            Attr.Optional("tags", AttrType.MapOf(AttrType.String), "Tags."),
            Attr.Optional("secret", AttrType.String, "Secret.") with { Sensitive = true },
            Attr.Computed("uid", AttrType.String, "Stable unique id.") with { StableComputed = true },
            Attr.Computed("status", AttrType.String, "Status."),
        ],
        Blocks =
        [
            new BlockDefinition
            {
                Name = "port",
                Description = "Ports.",
                Nesting = BlockNesting.List,
                MaxItems = 3,
                Attributes = [Attr.Required("number", AttrType.Number, "Port number."), Attr.Computed("state", AttrType.String, "Port state.")],
            },
        ],
    };

    /// <summary>What the next apply's read-back says; tests may override to simulate a drifting node.</summary>
    public Func<Value, Value>? ApplyOverride { get; set; }

    /// <summary>What the next plan returns instead of the proposed value.</summary>
    public Func<Value, Value>? PlanOverride { get; set; }

    public ImmutableArray<AttributePath> ExtraReplace { get; set; } = [];

    /// <summary>How long apply takes (observing cancellation), to test timeouts and StopProvider.</summary>
    public TimeSpan ApplyDelay { get; set; }

    /// <summary>The last plan request the door made (to assert what the door passed to the engine).</summary>
    public PlanRequest? LastPlan { get; private set; }

    public ResourceDefinition Definition => WidgetDefinition;

    public IEnumerable<Diagnostic> Validate(Value config)
    {
        if (config["name"].StringOrNull == "forbidden")
        {
            yield return Diagnostic.Error("Unable to accept the name", "Pick another name.", AttributePath.Of("name"));
        }
    }

    public Task<PlanResult> PlanAsync(PlanRequest request, CancellationToken cancellationToken)
    {
        LastPlan = request;
        var planned = request.ProposedNewState is { } proposed && PlanOverride is { } plan ? plan(proposed) : request.ProposedNewState;
        return Task.FromResult(new PlanResult { Planned = planned, RequiresReplace = ExtraReplace });
    }

    public async Task<ApplyResult> ApplyAsync(ApplyRequest request, CancellationToken cancellationToken)
    {
        if (ApplyDelay > TimeSpan.Zero)
        {
            await Task.Delay(ApplyDelay, cancellationToken);
        }

        if (request.Planned is null)
        {
            return new ApplyResult();
        }

        var state = request.Planned;
        if (state["uid"].IsUnknown)
        {
            state = state.With("uid", Value.String("uid-" + state["name"].AsString()));
        }

        state = state.With("status", Value.String("ready"));
        if (state["port"].Kind == ValueKind.List)
        {
            state = state.With("port", Value.List(state["port"].Items.Select(p => p.With("state", Value.String("open")))));
        }

        state = ApplyOverride?.Invoke(state) ?? state;
        return new ApplyResult { NewState = state };
    }

    public Task<ReadResult> ReadAsync(ReadRequest request, CancellationToken cancellationToken) =>
        Task.FromResult(new ReadResult { NewState = request.State["name"].StringOrNull == "gone" ? null : request.State });

    public Task<ImportResult> ImportAsync(ImportRequest request, CancellationToken cancellationToken) =>
        Task.FromResult(new ImportResult
        {
            State = Value.Object(("name", Value.String(request.Id)), ("mode", Value.String("fast")), ("uid", Value.String("uid-" + request.Id)), ("status", Value.String("ready")), ("port", Value.EmptyList)),
        });

    private sealed class PositiveNumber : IValueValidator
    {
        public string Description => "Must be positive.";

        public IEnumerable<Diagnostic> Validate(Value value, AttributePath path)
        {
            if (value.AsNumber() <= 0)
            {
                yield return Diagnostic.Error("Invalid attribute value", $"{value} is not positive.", path);
            }
        }
    }
}
