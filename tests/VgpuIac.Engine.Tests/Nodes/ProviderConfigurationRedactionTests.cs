using VgpuIac.Engine.Nodes;
using VgpuIac.Engine.Schema;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.Tests.Nodes;

/// <summary>
/// The provider configuration's checks (Terraform's ValidateProviderConfig and ConfigureProvider, Pulumi's CheckConfig and
/// Configure all call them) go through the redacting entry point: a value marked sensitive anywhere in the node blocks, and
/// the key and password taken from the environment, are never in a message; a plain value still is.
/// </summary>
public sealed class ProviderConfigurationRedactionTests
{
    private const string Pin = "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU";

    private static Value Config(params (string Name, Value Value)[] node) =>
        Value.Object(("node", Value.Map([KeyValuePair.Create("pve1", Value.Object([("host", Value.String("10.0.0.5")), .. node]))])));

    private static string? NoEnv(string name) => null;

    [Fact]
    public void A_marked_value_in_a_node_block_is_redacted_by_validate_and_a_plain_one_is_quoted()
    {
        var secret = ProviderConfiguration.Validate(Config(("host_key_sha256", Value.String(Pin)), ("password", Value.String("pw")), ("connect_timeout", Value.String("hunter2-soon").AsSensitive())), NoEnv);
        var plain = ProviderConfiguration.Validate(Config(("host_key_sha256", Value.String(Pin)), ("password", Value.String("pw")), ("connect_timeout", Value.String("soon"))), NoEnv);

        var d = Assert.Single(secret, x => x.IsError);
        Assert.Equal($"`connect_timeout` \"{AttributeValidation.Redacted}\" is not a duration. Write it like `30s`, `2m` or `1m30s`.", d.Detail);
        Assert.Contains("`connect_timeout` \"soon\" is not a duration", Assert.Single(plain, x => x.IsError).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_marked_file_path_that_cannot_be_read_is_redacted_by_parse()
    {
        var (settings, diagnostics) = ProviderConfiguration.Parse(Config(("password", Value.String("pw")), ("known_hosts_file", Value.String("/nonexistent/hunter2/known_hosts").AsSensitive())), NoEnv);

        Assert.Null(settings);
        Assert.NotEmpty(diagnostics);
        Assert.All(diagnostics, x => Assert.DoesNotContain("hunter2", x.Summary + x.Detail, StringComparison.Ordinal));
        Assert.Contains(diagnostics, x => x.Detail.Contains($"Cannot read the known_hosts file \"{AttributeValidation.Redacted}\"", StringComparison.Ordinal));
    }

    [Fact]
    public void The_password_from_the_environment_is_never_quoted()
    {
        // a password that is also the text of another setting would be quoted through it
        const string password = "hunter2-env";
        string? Env(string name) => name == ProviderSchema.PasswordEnv ? password : null;
        var diagnostics = ProviderConfiguration.Validate(Config(("host_key_sha256", Value.String(Pin)), ("connect_timeout", Value.String(password))), Env);

        Assert.Contains(diagnostics, x => x.IsError && x.Detail.Contains($"\"{AttributeValidation.Redacted}\" is not a duration", StringComparison.Ordinal));
        Assert.All(diagnostics, x => Assert.DoesNotContain(password, x.Summary + x.Detail, StringComparison.Ordinal));
    }
}
