using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Values;
using VgpuIac.Terraform.Schemas;
using VgpuIac.Terraform.Tests.Support;

namespace VgpuIac.Terraform.Tests.Schemas;

public sealed class ConfigValidatorTests
{
    private readonly DoorHarness _door = new();

    [Fact]
    public void Reports_each_problem_at_its_attribute_path()
    {
        var config = _door.Widget_(
            ("name", Value.Null),
            ("size", Value.Number(-1)),
            ("status", Value.String("set by user")),
            ("timeouts", Value.Object(("create", Value.String("ten minutes")), ("read", Value.Null), ("update", Value.Null), ("delete", Value.Null))),
            ("port", Value.List(Enumerable.Range(0, 4).Select(i => Value.Object(("number", Value.Number(i)), ("state", Value.Null))))));

        var diagnostics = ConfigValidator.Validate(_door.Entry.Block, config).ToList();

        Assert.Contains(diagnostics, d => d.Path == AttributePath.Of("name") && d.Summary == "Missing required argument");
        Assert.Contains(diagnostics, d => d.Path == AttributePath.Of("size"));
        Assert.Contains(diagnostics, d => d.Path == AttributePath.Of("status"));
        Assert.Contains(diagnostics, d => d.Path == AttributePath.Of("timeouts").Attribute("create"));
        Assert.Contains(diagnostics, d => d.Path == AttributePath.Of("port") && d.Summary == "Too many blocks");
        Assert.All(diagnostics, d => Assert.True(d.IsError));
    }

    [Fact]
    public void Validator_messages_about_a_sensitive_attribute_do_not_repeat_the_secret()
    {
        var block = _door.Entry.Block with
        {
            Attributes = [.. _door.Entry.Block.Attributes.Select(a => a.Name == "secret" ? a with { Validators = [new EchoingValidator()] } : a)],
        };
        var config = _door.Widget_(("name", Value.String("w")), ("secret", Value.String("hunter2")));

        var diagnostic = Assert.Single(ConfigValidator.Validate(block, config));

        Assert.DoesNotContain("hunter2", diagnostic.Detail, StringComparison.Ordinal);
        Assert.Equal(AttributePath.Of("secret"), diagnostic.Path);
    }

    private sealed class EchoingValidator : VgpuIac.Engine.Schema.IValueValidator
    {
        public string Description => "Echoes the value.";

        public IEnumerable<Diagnostic> Validate(Value value, AttributePath path) =>
            [Diagnostic.Error("Invalid attribute value", $"{value.AsString()} is not acceptable.", path)];
    }

    [Fact]
    public void Unknown_values_are_not_checked_yet()
    {
        var config = _door.Widget_(("name", Value.Unknown), ("size", Value.Unknown));
        Assert.Empty(ConfigValidator.Validate(_door.Entry.Block, config));
    }

    [Theory]
    [InlineData("30s", 30)]
    [InlineData("10m", 600)]
    [InlineData("1h30m", 5400)]
    [InlineData("1.5h", 5400)]
    [InlineData("0", 0)]
    public void Go_durations_parse(string text, int seconds)
    {
        Assert.True(GoDuration.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromSeconds(seconds), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("10")]
    [InlineData("ten minutes")]
    [InlineData("5d")]
    public void Bad_durations_are_refused(string text) => Assert.False(GoDuration.TryParse(text, out _));
}
