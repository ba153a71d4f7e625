using VgpuIac.Engine.Nodes;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.Tests.Nodes;

public sealed class ProviderConfigurationTests : IDisposable
{
    private const string Pin = "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU";
    private const string SecretPassword = "hunter2-very-secret";
    private const string SecretKey = "-----BEGIN OPENSSH PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==\n-----END OPENSSH PRIVATE KEY-----\n";

    private readonly string _dir = Directory.CreateTempSubdirectory("vgpuiac-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Func<string, string?> Env(params (string Name, string Value)[] vars) =>
        name => vars.FirstOrDefault(v => v.Name == name).Value;

    private static Value Config(Value nodes, params (string Name, Value Value)[] topLevel) =>
        Value.Object([.. topLevel, ("node", nodes)]);

    private static Value Nodes(params (string Name, Value Node)[] nodes) =>
        Value.Map(nodes.Select(n => new KeyValuePair<string, Value>(n.Name, n.Node)));

    private static Value Node(params (string Name, Value Value)[] attributes) => Value.Object(attributes);

    private string KeyFile()
    {
        var path = Path.Combine(_dir, "id_ed25519");
        File.WriteAllText(path, SecretKey);
        return path;
    }

    [Fact]
    public void Good_configuration_applies_top_level_defaults_and_node_overrides()
    {
        var key = KeyFile();
        var config = Config(
            Nodes(
                ("pve1", Node(("host", Value.String("10.0.0.5")), ("host_key_sha256", Value.String(Pin)))),
                ("pve2", Node(("host", Value.String("10.0.0.6")), ("port", Value.Number(2222)), ("user", Value.String("admin")), ("host_key_sha256", Value.String(Pin + "=")), ("connect_timeout", Value.String("1m30s"))))),
            ("private_key_file", Value.String(key)),
            ("connect_timeout", Value.String("45s")));

        var (settings, diagnostics) = ProviderConfiguration.Parse(config, Env());

        Assert.Empty(diagnostics);
        Assert.NotNull(settings);
        Assert.Equal(["pve1", "pve2"], settings.NodeNames);
        var pve1 = settings.Find("pve1")!;
        Assert.Equal(("10.0.0.5", 22, "root", key, TimeSpan.FromSeconds(45)), (pve1.Host, pve1.Port, pve1.User, pve1.PrivateKeyFile, pve1.ConnectTimeout));
        Assert.Equal(Pin["SHA256:".Length..], pve1.HostKeySha256);
        var pve2 = settings.Find("pve2")!;
        Assert.Equal((2222, "admin", TimeSpan.FromSeconds(90)), (pve2.Port, pve2.User, pve2.ConnectTimeout));
        Assert.Equal(Pin["SHA256:".Length..], pve2.HostKeySha256);
    }

    [Fact]
    public void Secrets_fall_back_to_environment_variables()
    {
        var known = Path.Combine(_dir, "known_hosts");
        File.WriteAllText(known, "");
        var config = Config(Nodes(("pve1", Node(("host", Value.String("pve1.lan"))))));

        var (settings, diagnostics) = ProviderConfiguration.Parse(config, Env(
            (ProviderSchema.PrivateKeyEnv, SecretKey),
            (ProviderSchema.PasswordEnv, SecretPassword),
            (ProviderSchema.KnownHostsEnv, known)));

        Assert.Empty(diagnostics);
        var node = Assert.Single(settings!.Nodes);
        Assert.Equal(SecretKey, node.PrivateKey);
        Assert.Equal(SecretPassword, node.Password);
        Assert.Equal(known, node.KnownHostsFile);
        Assert.DoesNotContain(SecretPassword, node.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("BEGIN", node.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Key_file_from_environment_and_home_known_hosts_are_used()
    {
        var key = KeyFile();
        Directory.CreateDirectory(Path.Combine(_dir, ".ssh"));
        File.WriteAllText(Path.Combine(_dir, ".ssh", "known_hosts"), "");
        var config = Config(Nodes(("pve1", Node(("host", Value.String("pve1.lan"))))));

        var (settings, diagnostics) = ProviderConfiguration.Parse(config, Env((ProviderSchema.PrivateKeyFileEnv, key), ("HOME", _dir)));

        // the fallback is said at configure, naming the file (and not at validation, which reads no files)
        var warning = Assert.Single(diagnostics);
        Assert.False(warning.IsError);
        Assert.Contains(Path.Combine(_dir, ".ssh", "known_hosts"), warning.Summary, StringComparison.Ordinal);
        Assert.Contains("host_key_sha256", warning.Detail, StringComparison.Ordinal);
        Assert.Empty(ProviderConfiguration.Validate(config, Env((ProviderSchema.PrivateKeyFileEnv, key), ("HOME", _dir))));
        Assert.Equal(key, settings!.Nodes[0].PrivateKeyFile);
        Assert.Equal(Path.Combine(_dir, ".ssh", "known_hosts"), settings.Nodes[0].KnownHostsFile);
        Assert.True(settings.Nodes[0].KnownHostsFileIsDefault);
    }

    [Fact]
    public void No_nodes_is_an_error_on_the_node_block()
    {
        var (settings, diagnostics) = ProviderConfiguration.Parse(Config(Value.Null), Env());

        Assert.Null(settings);
        var error = Assert.Single(diagnostics);
        Assert.Equal("node", error.Path!.ToString());
        Assert.StartsWith("Unable to configure", error.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_host_is_reported_at_the_node_host()
    {
        var config = Config(Nodes(("pve1", Node(("host_key_sha256", Value.String(Pin)), ("password", Value.String(SecretPassword))))));

        var (settings, diagnostics) = ProviderConfiguration.Parse(config, Env());

        Assert.Null(settings);
        var error = Assert.Single(diagnostics, d => d.IsError);
        Assert.Equal("node[\"pve1\"].host", error.Path!.ToString());
    }

    [Fact]
    public void No_authentication_method_is_an_error_naming_the_options()
    {
        var config = Config(Nodes(("pve1", Node(("host", Value.String("h")), ("host_key_sha256", Value.String(Pin))))));

        var (settings, diagnostics) = ProviderConfiguration.Parse(config, Env());

        Assert.Null(settings);
        var error = Assert.Single(diagnostics, d => d.IsError);
        Assert.Equal("node[\"pve1\"]", error.Path!.ToString());
        Assert.Contains("private_key_file", error.Detail, StringComparison.Ordinal);
        Assert.Contains(ProviderSchema.PasswordEnv, error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void No_host_key_verification_is_an_error_and_never_trust_on_first_use()
    {
        var config = Config(Nodes(("pve1", Node(("host", Value.String("h")), ("password", Value.String(SecretPassword))))));

        var (settings, diagnostics) = ProviderConfiguration.Parse(config, Env(("HOME", _dir)));

        Assert.Null(settings);
        var error = Assert.Single(diagnostics, d => d.IsError);
        Assert.Equal("node[\"pve1\"].host_key_sha256", error.Path!.ToString());
        Assert.Contains("never trusted on first use", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Insecure_ignore_host_key_is_allowed_with_a_loud_warning()
    {
        var config = Config(Nodes(("pve1", Node(("host", Value.String("h")), ("password", Value.String(SecretPassword)), ("insecure_ignore_host_key", Value.True)))));

        var (settings, diagnostics) = ProviderConfiguration.Parse(config, Env(("HOME", _dir)));

        Assert.NotNull(settings);
        Assert.True(settings.Nodes[0].InsecureIgnoreHostKey);
        var warning = Assert.Single(diagnostics);
        Assert.False(warning.IsError);
        Assert.StartsWith("INSECURE", warning.Summary, StringComparison.Ordinal);
        Assert.Equal("node[\"pve1\"].insecure_ignore_host_key", warning.Path!.ToString());
    }

    [Fact]
    public void Configured_known_hosts_file_that_does_not_exist_is_an_error()
    {
        var config = Config(Nodes(("pve1", Node(("host", Value.String("h")), ("password", Value.String(SecretPassword)), ("known_hosts_file", Value.String(Path.Combine(_dir, "nope")))))));

        var (settings, diagnostics) = ProviderConfiguration.Parse(config, Env());

        Assert.Null(settings);
        var error = Assert.Single(diagnostics, d => d.IsError);
        Assert.Equal("node[\"pve1\"].known_hosts_file", error.Path!.ToString());
        Assert.Contains("no such file", error.Detail, StringComparison.Ordinal);
        Assert.Contains("ssh-keyscan -p 22 h >> ", error.Detail, StringComparison.Ordinal);
        Assert.Contains("host_key_sha256", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Validation_does_not_look_for_the_key_and_known_hosts_files_configuring_does()
    {
        var knownHosts = Path.Combine(_dir, "not-yet", "known_hosts");
        var keyFile = Path.Combine(_dir, "not-yet", "id_ed25519");
        var config = Config(Nodes(("pve1", Node(("host", Value.String("h")), ("private_key_file", Value.String(keyFile)), ("known_hosts_file", Value.String(knownHosts))))));

        Assert.DoesNotContain(ProviderConfiguration.Validate(config, Env()), d => d.IsError);

        var (settings, diagnostics) = ProviderConfiguration.Parse(config, Env());
        Assert.Null(settings);
        Assert.Contains(diagnostics, d => d.IsError && d.Detail.Contains(knownHosts, StringComparison.Ordinal) && d.Path!.ToString() == "node[\"pve1\"].known_hosts_file");
        Assert.Contains(diagnostics, d => d.IsError && d.Detail.Contains(keyFile, StringComparison.Ordinal));
    }

    [Fact]
    public void Validation_still_reports_what_is_wrong_without_files()
    {
        var config = Config(Nodes(("pve1", Node(("host", Value.String("h")), ("known_hosts_file", Value.String(Path.Combine(_dir, "nope")))))));

        var error = Assert.Single(ProviderConfiguration.Validate(config, Env()), d => d.IsError);
        Assert.Contains("No SSH authentication", error.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SHA256:tooshort")]
    [InlineData("MD5:aa:bb:cc")]
    [InlineData("SHA256:!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!")]
    public void Malformed_fingerprint_is_an_error(string fingerprint)
    {
        var config = Config(Nodes(("pve1", Node(("host", Value.String("h")), ("password", Value.String(SecretPassword)), ("host_key_sha256", Value.String(fingerprint))))));

        var (settings, diagnostics) = ProviderConfiguration.Parse(config, Env());

        Assert.Null(settings);
        var error = Assert.Single(diagnostics, d => d.IsError);
        Assert.Equal("node[\"pve1\"].host_key_sha256", error.Path!.ToString());
        Assert.Contains("ssh-keygen -lf", error.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("30")]
    [InlineData("soon")]
    [InlineData("0s")]
    [InlineData("-5s")]
    public void Bad_duration_is_an_error(string duration)
    {
        var config = Config(
            Nodes(("pve1", Node(("host", Value.String("h")), ("password", Value.String(SecretPassword)), ("host_key_sha256", Value.String(Pin))))),
            ("connect_timeout", Value.String(duration)));

        var (settings, diagnostics) = ProviderConfiguration.Parse(config, Env());

        Assert.Null(settings);
        var error = Assert.Single(diagnostics, d => d.IsError);
        Assert.Equal("connect_timeout", error.Path!.ToString());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(65536)]
    [InlineData(22.5)]
    public void Port_out_of_range_is_an_error(double port)
    {
        var config = Config(Nodes(("pve1", Node(("host", Value.String("h")), ("port", Value.Number((decimal)port)), ("password", Value.String(SecretPassword)), ("host_key_sha256", Value.String(Pin))))));

        var (settings, diagnostics) = ProviderConfiguration.Parse(config, Env());

        Assert.Null(settings);
        var error = Assert.Single(diagnostics, d => d.IsError);
        Assert.Equal("node[\"pve1\"].port", error.Path!.ToString());
    }

    [Fact]
    public void Unreadable_key_file_is_an_error_without_its_content()
    {
        var config = Config(Nodes(("pve1", Node(("host", Value.String("h")), ("private_key_file", Value.String(Path.Combine(_dir, "missing_key"))), ("host_key_sha256", Value.String(Pin))))));

        var (settings, diagnostics) = ProviderConfiguration.Parse(config, Env());

        Assert.Null(settings);
        var error = Assert.Single(diagnostics, d => d.IsError);
        Assert.Equal("node[\"pve1\"].private_key_file", error.Path!.ToString());
        Assert.Contains("missing_key", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Inline_key_that_is_not_a_key_is_an_error_that_does_not_echo_it()
    {
        var config = Config(Nodes(("pve1", Node(("host", Value.String("h")), ("private_key", Value.String(SecretPassword)), ("host_key_sha256", Value.String(Pin))))));

        var (settings, diagnostics) = ProviderConfiguration.Parse(config, Env());

        Assert.Null(settings);
        var error = Assert.Single(diagnostics, d => d.IsError);
        Assert.Equal("node[\"pve1\"].private_key", error.Path!.ToString());
        Assert.DoesNotContain(SecretPassword, error.Summary + error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Agent_without_ssh_auth_sock_is_an_error()
    {
        var config = Config(Nodes(("pve1", Node(("host", Value.String("h")), ("agent", Value.True), ("host_key_sha256", Value.String(Pin))))));

        var (settings, diagnostics) = ProviderConfiguration.Parse(config, Env());

        Assert.Null(settings);
        Assert.Contains("SSH_AUTH_SOCK", Assert.Single(diagnostics, d => d.IsError).Detail, StringComparison.Ordinal);

        var (withAgent, none) = ProviderConfiguration.Parse(config, Env(("SSH_AUTH_SOCK", "/tmp/agent.sock")));
        Assert.Empty(none);
        Assert.Equal("/tmp/agent.sock", withAgent!.Nodes[0].AgentSocket);
    }

    [Fact]
    public void Unknown_values_are_skipped_at_validate_time()
    {
        var config = Config(
            Nodes(
                ("pve1", Node(("host", Value.Unknown), ("password", Value.Unknown), ("host_key_sha256", Value.Unknown))),
                ("pve2", Node(("host", Value.String("h")), ("port", Value.Number(70000)), ("password", Value.String(SecretPassword)), ("host_key_sha256", Value.String(Pin))))),
            ("connect_timeout", Value.Unknown));

        var (settings, diagnostics) = ProviderConfiguration.Parse(config, Env());

        Assert.Null(settings);
        var error = Assert.Single(diagnostics);
        Assert.Equal("node[\"pve2\"].port", error.Path!.ToString());

        var (unknownAll, noDiagnostics) = ProviderConfiguration.Parse(Value.Unknown, Env());
        Assert.Null(unknownAll);
        Assert.Empty(noDiagnostics);
    }

    [Fact]
    public void No_diagnostic_ever_contains_a_secret()
    {
        var config = Config(
            Nodes(
                ("a", Node(("password", Value.String(SecretPassword)), ("private_key", Value.String(SecretKey)))),
                ("b", Node(("host", Value.String("h")), ("private_key", Value.String("not-a-key " + SecretPassword)), ("host_key_sha256", Value.String("bad"))))),
            ("connect_timeout", Value.String("x")),
            ("port", Value.Number(0)));

        var (_, diagnostics) = ProviderConfiguration.Parse(config, Env((ProviderSchema.PasswordEnv, SecretPassword)));

        Assert.True(diagnostics.Length >= 4);
        foreach (var d in diagnostics)
        {
            Assert.DoesNotContain(SecretPassword, d.Summary + d.Detail, StringComparison.Ordinal);
            Assert.DoesNotContain("c2VjcmV0", d.Summary + d.Detail, StringComparison.Ordinal);
        }
    }
}
