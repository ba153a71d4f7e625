using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Resources;
using VgpuIac.Engine.Schema;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.Tests.Schema;

/// <summary>The one validation entry point of both doors: validators, then the object's checks, each once, secrets redacted.</summary>
public sealed class AttributeValidationTests
{
    private static readonly ResourceDefinition Definition = new()
    {
        Name = "vault",
        PulumiName = "Vault",
        Kind = ObjectKind.Resource,
        Description = "A test object with a secret.",
        Attributes =
        [
            Attr.Computed("id", AttrType.String, "id"),
            Attr.Optional("name", AttrType.String, "Name.") with { Validators = [Validators.Pattern("^[a-z]+$", "a lowercase name")] },
            Attr.Optional("password", AttrType.String, "Password.") with { Sensitive = true, Validators = [Validators.Pattern("^[A-Za-z0-9]{12,}$", "12 or more letters and digits")] },
            Attr.Optional("pin", AttrType.Number, "PIN.") with { Sensitive = true, Validators = [Validators.IntRange(1000, 9999)] },
        ],
    };

    /// <summary>The object's own check quotes the password (as a careless rule would).</summary>
    private static IEnumerable<Diagnostic> Checks(Value config)
    {
        if (config["password"].StringOrNull is { } password && password.Contains(' ', StringComparison.Ordinal))
        {
            yield return Diagnostic.Error("Password with a space", $"\"{password}\" has a space.", AttributePath.Of("password"));
        }
    }

    private static Value Config(params (string Name, Value Value)[] fields) =>
        Value.Object(Definition.Attributes.Select(a => KeyValuePair.Create(a.Name, fields.FirstOrDefault(f => f.Name == a.Name).Value ?? Value.Null)));

    [Fact]
    public void A_sensitive_value_that_fails_a_validator_or_a_check_is_never_quoted()
    {
        const string secret = "hunter2 plus";
        var diagnostics = AttributeValidation.Validate(Definition, Config(("password", Value.String(secret)), ("pin", Value.Number(123456))), Checks).ToList();

        Assert.Equal(3, diagnostics.Count);
        Assert.All(diagnostics, d => Assert.DoesNotContain("hunter2", d.Summary + d.Detail, StringComparison.Ordinal));
        Assert.DoesNotContain(diagnostics, d => (d.Summary + d.Detail).Contains("123456", StringComparison.Ordinal));
        Assert.Equal("\"(sensitive value)\" is not 12 or more letters and digits.", diagnostics.Single(d => d.Path!.ToString() == "password" && d.Summary != "Password with a space").Detail);
        Assert.Equal("\"(sensitive value)\" has a space.", diagnostics.Single(d => d.Summary == "Password with a space").Detail);
        Assert.StartsWith("(sensitive value) is not a whole number", diagnostics.Single(d => d.Path!.ToString() == "pin").Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_long_secret_that_a_validator_shortens_is_not_quoted_either_and_plain_values_still_are()
    {
        var secret = new string('k', 70) + "-" + new string('z', 40);
        var diagnostics = AttributeValidation.Validate(Definition, Config(("password", Value.String(secret)), ("name", Value.String("Bad Name"))), Checks).ToList();

        Assert.Equal(2, diagnostics.Count);
        Assert.DoesNotContain(diagnostics, d => d.Detail.Contains(new string('k', 20), StringComparison.Ordinal));
        Assert.Equal("\"Bad Name\" is not a lowercase name.", diagnostics.Single(d => d.Path!.ToString() == "name").Detail);
    }

    [Fact]
    public void A_value_marked_sensitive_by_the_user_is_redacted_even_in_a_plain_attribute()
    {
        var diagnostics = AttributeValidation.Validate(Definition, Config(("name", Value.String("Top Secret").AsSensitive())), Checks).ToList();

        var d = Assert.Single(diagnostics);
        Assert.Equal("\"(sensitive value)\" is not a lowercase name.", d.Detail);
    }

    [Fact]
    public void The_objects_own_run_of_the_validators_is_redacted_and_the_entry_point_reports_each_problem_once()
    {
        var config = Config(("password", Value.String("short")));
        var own = AttributeValidation.Run(Definition, config).ToList();
        Assert.Equal("\"(sensitive value)\" is not 12 or more letters and digits.", Assert.Single(own).Detail);

        // an object whose Validate runs the validators itself (as the guest and licence server do): still one diagnostic
        var once = AttributeValidation.Validate(Definition, config, c => AttributeValidation.Run(Definition, c)).ToList();
        Assert.Single(once);
        Assert.Empty(AttributeValidation.Validate(Definition, Value.Unknown, _ => []));
    }
}
