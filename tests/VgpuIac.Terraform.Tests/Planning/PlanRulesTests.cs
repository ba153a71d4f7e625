using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Values;
using VgpuIac.Terraform.Tests.Support;

namespace VgpuIac.Terraform.Tests.Planning;

/// <summary>The door's plan and apply rules around an engine resource (Terraform's plan validity and consistency checks).</summary>
public sealed class PlanRulesTests
{
    private readonly DoorHarness _door = new();

    [Fact]
    public async Task Create_plans_unknown_computed_values_defaults_and_id()
    {
        var config = _door.Widget_(("name", Value.String("w1")), ("size", Value.Number(3)));
        var proposed = config; // on create Terraform proposes the config: computed attributes null

        var (planned, replace) = await _door.Service.PlanAsync(_door.Entry, Value.Null, proposed, config, _door.NewCall());

        Assert.NotNull(planned);
        Assert.True(planned["uid"].IsUnknown);
        Assert.True(planned["status"].IsUnknown);
        Assert.True(planned["id"].IsUnknown);
        Assert.Equal(Value.String("fast"), planned["mode"]);
        Assert.Equal(Value.String("w1"), planned["name"]);
        Assert.Equal(Value.Number(3), planned["size"]);
        Assert.Empty(replace);
    }

    [Fact]
    public async Task Unchanged_configuration_keeps_every_prior_value()
    {
        var prior = _door.Widget_(("id", Value.String("w1")), ("name", Value.String("w1")), ("mode", Value.String("fast")), ("uid", Value.String("uid-w1")), ("status", Value.String("ready")));
        var config = _door.Widget_(("name", Value.String("w1")));

        var (planned, replace) = await _door.Service.PlanAsync(_door.Entry, prior, prior, config, _door.NewCall());

        Assert.Equal(prior, planned);
        Assert.Empty(replace);
    }

    [Fact]
    public async Task Update_keeps_stable_computed_values_and_unknowns_the_others()
    {
        var prior = _door.Widget_(("id", Value.String("w1")), ("name", Value.String("w1")), ("size", Value.Number(1)), ("mode", Value.String("fast")), ("uid", Value.String("uid-w1")), ("status", Value.String("ready")));
        var config = _door.Widget_(("name", Value.String("w1")), ("size", Value.Number(2)));
        var proposed = prior.With("size", Value.Number(2));

        var (planned, replace) = await _door.Service.PlanAsync(_door.Entry, prior, proposed, config, _door.NewCall());

        Assert.Equal(Value.String("uid-w1"), planned!["uid"]);
        Assert.Equal(Value.String("w1"), planned["id"]);
        Assert.True(planned["status"].IsUnknown);
        Assert.Equal(Value.Number(2), planned["size"]);
        Assert.Empty(replace);
    }

    [Fact]
    public async Task Changing_a_replacing_attribute_requires_replace_and_engine_paths_are_added()
    {
        _door.Widget.ExtraReplace = [AttributePath.Of("tags")];
        var prior = _door.Widget_(("id", Value.String("w1")), ("name", Value.String("w1")), ("mode", Value.String("fast")), ("uid", Value.String("uid-w1")), ("status", Value.String("ready")));
        var config = _door.Widget_(("name", Value.String("w2")));
        var proposed = prior.With("name", Value.String("w2"));

        var (_, replace) = await _door.Service.PlanAsync(_door.Entry, prior, proposed, config, _door.NewCall());

        Assert.Contains(AttributePath.Of("name"), replace);
        Assert.Contains(AttributePath.Of("tags"), replace);
    }

    [Fact]
    public async Task A_planned_value_that_contradicts_the_configuration_is_corrected()
    {
        _door.Widget.PlanOverride = p => p.With("size", Value.Number(99)).With("tags", Value.Map([KeyValuePair.Create("x", Value.String("y"))]));
        var config = _door.Widget_(("name", Value.String("w1")), ("size", Value.Number(3)));

        var (planned, _) = await _door.Service.PlanAsync(_door.Entry, Value.Null, config, config, _door.NewCall());

        Assert.Equal(Value.Number(3), planned!["size"]);
        Assert.Equal(Value.Null, planned["tags"]);
    }

    [Fact]
    public async Task Destroy_plans_null()
    {
        var prior = _door.Widget_(("id", Value.String("w1")), ("name", Value.String("w1")));

        var (planned, replace) = await _door.Service.PlanAsync(_door.Entry, prior, Value.Null, Value.Null, _door.NewCall());

        Assert.Null(planned);
        Assert.Empty(replace);
    }

    [Fact]
    public async Task Apply_fills_computed_values_and_keeps_timeouts_and_synthetic_id()
    {
        var timeouts = Value.Object(("create", Value.String("5m")), ("read", Value.Null), ("update", Value.Null), ("delete", Value.Null));
        var config = _door.Widget_(("name", Value.String("w1")), ("timeouts", timeouts), ("port", Value.List(Value.Object(("number", Value.Number(80)), ("state", Value.Null)))));
        var call = _door.NewCall();
        var (planned, _) = await _door.Service.PlanAsync(_door.Entry, Value.Null, config, config, call);

        var state = await _door.Service.ApplyAsync(_door.Entry, Value.Null, planned!, config, call);

        Assert.Empty(call.Diagnostics);
        Assert.True(state.IsWhollyKnown);
        Assert.Equal(Value.String("w1"), state["id"]);
        Assert.Equal(Value.String("uid-w1"), state["uid"]);
        Assert.Equal(timeouts, state["timeouts"]);
        Assert.Equal(Value.String("open"), state["port"].Items[0]["state"]);
    }

    [Fact]
    public async Task Apply_result_that_contradicts_a_known_planned_value_is_reported_with_its_path()
    {
        _door.Widget.ApplyOverride = s => s.With("size", Value.Number(4));
        var config = _door.Widget_(("name", Value.String("w1")), ("size", Value.Number(3)));
        var call = _door.NewCall();
        var (planned, _) = await _door.Service.PlanAsync(_door.Entry, Value.Null, config, config, call);

        await _door.Service.ApplyAsync(_door.Entry, Value.Null, planned!, config, call);

        var error = Assert.Single(call.Diagnostics);
        Assert.Equal(AttributePath.Of("size"), error.Path);
    }

    [Fact]
    public async Task Unknowns_left_in_an_apply_result_become_null_with_an_error()
    {
        _door.Widget.ApplyOverride = s => s.With("status", Value.Unknown);
        var config = _door.Widget_(("name", Value.String("w1")));
        var call = _door.NewCall();
        var (planned, _) = await _door.Service.PlanAsync(_door.Entry, Value.Null, config, config, call);

        var state = await _door.Service.ApplyAsync(_door.Entry, Value.Null, planned!, config, call);

        Assert.Equal(Value.Null, state["status"]);
        Assert.Contains(call.Diagnostics, d => d.IsError);
    }

    [Fact]
    public async Task Delete_returns_null()
    {
        var prior = _door.Widget_(("id", Value.String("w1")), ("name", Value.String("w1")));
        var call = _door.NewCall();

        var state = await _door.Service.ApplyAsync(_door.Entry, prior, Value.Null, Value.Null, call);

        Assert.Equal(Value.Null, state);
        Assert.Empty(call.Diagnostics);
    }

    [Fact]
    public async Task A_create_longer_than_timeouts_create_is_cancelled_with_a_diagnostic_at_that_path()
    {
        _door.Widget.ApplyDelay = TimeSpan.FromSeconds(30);
        var timeouts = Value.Object(("create", Value.String("100ms")), ("read", Value.Null), ("update", Value.Null), ("delete", Value.Null));
        var config = _door.Widget_(("name", Value.String("w1")), ("timeouts", timeouts));
        var call = _door.NewCall();
        var (planned, _) = await _door.Service.PlanAsync(_door.Entry, Value.Null, config, config, call);

        var started = DateTime.UtcNow;
        var state = await _door.Service.ApplyAsync(_door.Entry, Value.Null, planned!, config, call);

        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
        Assert.Equal(Value.Null, state);
        var error = Assert.Single(call.Diagnostics);
        Assert.Equal(AttributePath.Of("timeouts").Attribute("create"), error.Path);
    }
}
