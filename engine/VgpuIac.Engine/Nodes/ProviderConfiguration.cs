using System.Collections.Immutable;
using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Schema;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.Nodes;

/// <summary>
/// Turns the provider configuration value (see <see cref="ProviderSchema"/>) into <see cref="ProviderSettings"/>.
/// Pure apart from the environment lookup it is given and, in <see cref="Parse"/> only, checking that referenced files
/// (<c>private_key_file</c>, <c>known_hosts_file</c>) exist and are readable: <see cref="Validate"/> (Terraform's
/// ValidateProviderConfig, <c>terraform validate</c>) leaves the file system alone, because those files may not exist yet
/// on the machine that validates; configuring the provider (<see cref="Parse"/>) reports them.
/// Values still unknown (at validate time) are skipped; then no settings are returned, only diagnostics about the known parts.
/// Messages never contain secret values.
/// </summary>
public static class ProviderConfiguration
{
    private const string NodeBlock = "node";

    /// <summary>
    /// Parses <paramref name="config"/>. Settings is null when there are errors or when some value is not yet known.
    /// </summary>
    public static (ProviderSettings? Settings, ImmutableArray<Diagnostic> Diagnostics) Parse(Value config, Func<string, string?> getEnv)
    {
        var (settings, diagnostics) = Read(config, getEnv, checkFiles: true);
        return (settings, Redacted(diagnostics, config, getEnv));
    }

    /// <summary>
    /// The static checks of <paramref name="config"/> for validation: everything <see cref="Parse"/> checks except whether
    /// the referenced key and known_hosts files exist and are readable (that is checked when the provider is configured).
    /// Through the engine's one validation entry point (<see cref="AttributeValidation.Validate(ResourceDefinition, Value, Func{Value, IEnumerable{Diagnostic}})"/>):
    /// attribute validators, then these checks, each once, with no secret in any message.
    /// </summary>
    public static ImmutableArray<Diagnostic> Validate(Value config, Func<string, string?> getEnv) =>
        Redacted(AttributeValidation.Validate(ProviderSchema.Definition, config, c => Read(c, getEnv, checkFiles: false).Diagnostics), config, getEnv);

    /// <summary>
    /// The diagnostics with no secret in them: the sensitive attributes' values and values marked sensitive (also in the
    /// node blocks), and the private key and password taken from the environment.
    /// </summary>
    private static ImmutableArray<Diagnostic> Redacted(IEnumerable<Diagnostic> diagnostics, Value config, Func<string, string?> getEnv)
    {
        var secrets = new HashSet<string>(AttributeValidation.Secrets(ProviderSchema.Definition, config), StringComparer.Ordinal);
        foreach (var name in new[] { ProviderSchema.PrivateKeyEnv, ProviderSchema.PasswordEnv })
        {
            secrets.UnionWith(AttributeValidation.Secrets(NonEmpty(getEnv(name)) is { } text ? Value.String(text) : Value.Null));
        }

        return [.. diagnostics.Select(d => AttributeValidation.Redact(d, secrets))];
    }

    private static (ProviderSettings? Settings, ImmutableArray<Diagnostic> Diagnostics) Read(Value config, Func<string, string?> getEnv, bool checkFiles)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(getEnv);
        var diagnostics = new DiagnosticBag();
        if (config.IsUnknown)
        {
            return (null, diagnostics.ToImmutable());
        }

        var incomplete = false;
        var defaults = config.IsNull ? ConnectionFields.Empty : ReadFields(config, AttributePath.Root, diagnostics, ref incomplete);

        var nodesValue = config.IsNull ? Value.Null : config[NodeBlock];
        if (nodesValue.IsUnknown)
        {
            return (null, diagnostics.ToImmutable());
        }

        var nodeEntries = nodesValue.Kind is ValueKind.Map or ValueKind.Object ? nodesValue.Fields : ImmutableSortedDictionary<string, Value>.Empty;
        if (nodeEntries.Count == 0)
        {
            diagnostics.Error(
                "Unable to configure the vgpu provider: no nodes",
                "Declare at least one Proxmox VE node, e.g. `node \"pve1\" { host = \"10.0.0.5\" host_key_sha256 = \"SHA256:...\" }`.",
                AttributePath.Of(NodeBlock));
            return (null, diagnostics.ToImmutable());
        }

        var nodes = ImmutableArray.CreateBuilder<NodeSettings>();
        foreach (var (name, nodeValue) in nodeEntries)
        {
            var path = AttributePath.Of(NodeBlock).Key(name);
            if (!nodeValue.IsKnown)
            {
                incomplete = true;
                continue;
            }

            var node = ReadNode(name, nodeValue, path, defaults, getEnv, checkFiles, diagnostics, ref incomplete);
            if (node is not null)
            {
                nodes.Add(node);
            }
        }

        if (diagnostics.HasErrors || incomplete)
        {
            return (null, diagnostics.ToImmutable());
        }

        return (new ProviderSettings(nodes.ToImmutable()), diagnostics.ToImmutable());
    }

    private static NodeSettings? ReadNode(
        string name,
        Value nodeValue,
        AttributePath path,
        ConnectionFields defaults,
        Func<string, string?> getEnv,
        bool checkFiles,
        DiagnosticBag diagnostics,
        ref bool incomplete)
    {
        var summary = $"Unable to configure node \"{name}\"";
        var before = diagnostics.Count(d => d.IsError);
        var own = nodeValue.IsNull ? ConnectionFields.Empty : ReadFields(nodeValue, path, diagnostics, ref incomplete);
        var merged = own.Over(defaults);

        var hostValue = nodeValue["host"];
        string? host = null;
        if (hostValue.IsUnknown)
        {
            incomplete = true;
        }
        else if (string.IsNullOrWhiteSpace(hostValue.StringOrNull))
        {
            diagnostics.Error(summary, $"`host` is not set. Set it to the host name or IP address of the node's SSH server.", path.Attribute("host"));
        }
        else
        {
            host = hostValue.StringOrNull!.Trim();
        }

        var home = getEnv("HOME");
        var privateKey = merged.PrivateKey ?? NonEmpty(getEnv(ProviderSchema.PrivateKeyEnv));
        var privateKeyFromEnv = merged.PrivateKey is null && privateKey is not null;
        if (privateKey is not null && !LooksLikePrivateKey(privateKey))
        {
            diagnostics.Error(
                summary,
                privateKeyFromEnv
                    ? $"The private key in `{ProviderSchema.PrivateKeyEnv}` is not a PEM or OpenSSH private key (it must start with `-----BEGIN ... PRIVATE KEY-----`)."
                    : "`private_key` is not a PEM or OpenSSH private key (it must start with `-----BEGIN ... PRIVATE KEY-----`). To use a key file, set `private_key_file` instead.",
                privateKeyFromEnv ? path : merged.PrivateKeyPath ?? path);
        }

        var keyFile = merged.PrivateKeyFile ?? NonEmpty(getEnv(ProviderSchema.PrivateKeyFileEnv));
        var keyFilePath = merged.PrivateKeyFile is not null ? merged.PrivateKeyFilePath ?? path : path;
        if (keyFile is not null)
        {
            keyFile = ExpandHome(keyFile, home);
            var problem = checkFiles ? CheckReadable(keyFile) : null;
            if (problem is not null)
            {
                diagnostics.Error(
                    summary,
                    $"Cannot read the private key file \"{keyFile}\"{(merged.PrivateKeyFile is null ? $" (from `{ProviderSchema.PrivateKeyFileEnv}`)" : string.Empty)}: {problem}. Check the path and that the provider can read it.",
                    keyFilePath);
            }
        }

        var password = merged.Password ?? NonEmpty(getEnv(ProviderSchema.PasswordEnv));
        var useAgent = merged.Agent ?? false;
        string? agentSocket = null;
        if (useAgent)
        {
            agentSocket = NonEmpty(getEnv("SSH_AUTH_SOCK"));
            if (agentSocket is null)
            {
                diagnostics.Error(summary, "`agent = true` but `SSH_AUTH_SOCK` is not set: start an ssh-agent (`eval $(ssh-agent)`; `ssh-add`) in the environment that runs the provider, or use a key.", merged.AgentPath ?? path);
            }
        }

        var hasAuth = privateKey is not null || keyFile is not null || password is not null || useAgent || merged.AuthUnknown;
        if (!hasAuth)
        {
            diagnostics.Error(
                summary,
                $"No SSH authentication is configured. Set `private_key_file` (or `{ProviderSchema.PrivateKeyFileEnv}`), `private_key` (or `{ProviderSchema.PrivateKeyEnv}`), `agent = true`, or `password` (or `{ProviderSchema.PasswordEnv}`), in the node block or at the top level.",
                path);
        }

        var knownHosts = merged.KnownHostsFile ?? NonEmpty(getEnv(ProviderSchema.KnownHostsEnv));
        var knownHostsExplicit = knownHosts is not null;
        if (knownHosts is not null)
        {
            knownHosts = ExpandHome(knownHosts, home);
            var problem = checkFiles ? CheckReadable(knownHosts) : null;
            if (problem is not null)
            {
                var setting = merged.KnownHostsFile is null ? $"`{ProviderSchema.KnownHostsEnv}`" : "`known_hosts_file`";
                diagnostics.Error(
                    summary,
                    $"Cannot read the known_hosts file \"{knownHosts}\"{(merged.KnownHostsFile is null ? $" (from `{ProviderSchema.KnownHostsEnv}`)" : string.Empty)}: {problem}. " +
                    $"Create it with the node's host key (`ssh-keyscan -p {merged.Port ?? NodeSettings.DefaultPort} {host ?? "<host>"} >> {knownHosts}`, then compare the key with `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on the node), " +
                    $"point {setting} at an existing file the provider can read, or pin the key with `host_key_sha256` instead.",
                    merged.KnownHostsFile is not null ? merged.KnownHostsFilePath ?? path : path);
                knownHosts = null;
            }
        }
        else if (home is not null)
        {
            var candidate = Path.Combine(home, ".ssh", "known_hosts");
            knownHosts = File.Exists(candidate) ? candidate : null;
            if (checkFiles && knownHosts is not null && merged.HostKeySha256 is null && !(merged.Insecure ?? false) && !merged.HostKeyUnknown)
            {
                diagnostics.Warning(
                    $"Host key of node \"{name}\" is checked against {knownHosts}",
                    $"No `host_key_sha256` or `known_hosts_file` (or `{ProviderSchema.KnownHostsEnv}`) is set for node \"{name}\", so its SSH host key must be listed in \"{knownHosts}\" (the OpenSSH default); " +
                    "the key type that matched is logged when the provider connects. To make the trust explicit, pin the key with `host_key_sha256` " +
                    "(`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on the node) or set `known_hosts_file`.",
                    path);
            }
        }

        var insecure = merged.Insecure ?? false;
        if (insecure)
        {
            diagnostics.Warning(
                $"INSECURE: host key of node \"{name}\" is not verified",
                "`insecure_ignore_host_key = true`: any machine answering on this address can read the commands and secrets sent to it and change what is installed. " +
                "Only use this for throw-away lab nodes. Pin the key instead: run `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on the node and set `host_key_sha256`.",
                merged.InsecurePath ?? path);
        }
        else if (merged.HostKeySha256 is null && knownHosts is null && !knownHostsExplicit && !merged.HostKeyUnknown)
        {
            diagnostics.Error(
                summary,
                "No host key verification is configured, and host keys are never trusted on first use. " +
                "Set `host_key_sha256` to the fingerprint printed by `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on the node, " +
                $"or point `known_hosts_file` (or `{ProviderSchema.KnownHostsEnv}`) at a known_hosts file that lists the node.",
                path.Attribute("host_key_sha256"));
        }

        if (diagnostics.Count(d => d.IsError) > before || host is null || merged.AuthUnknown || merged.HostKeyUnknown)
        {
            return null;
        }

        return new NodeSettings
        {
            Name = name,
            Host = host,
            Port = merged.Port ?? NodeSettings.DefaultPort,
            User = merged.User ?? NodeSettings.DefaultUser,
            PrivateKey = privateKey,
            PrivateKeyFile = keyFile,
            Password = password,
            UseAgent = useAgent,
            AgentSocket = agentSocket,
            HostKeySha256 = merged.HostKeySha256,
            KnownHostsFile = knownHosts,
            KnownHostsFileIsDefault = knownHosts is not null && !knownHostsExplicit,
            ConnectTimeout = merged.ConnectTimeout ?? NodeSettings.DefaultConnectTimeout,
            InsecureIgnoreHostKey = insecure,
        };
    }

    private static ConnectionFields ReadFields(Value obj, AttributePath path, DiagnosticBag diagnostics, ref bool incomplete)
    {
        var where = path.Steps.IsEmpty ? "the vgpu provider" : $"node \"{((PathStep.ElementKey)path.Steps[^1]).Key}\"";
        var summary = $"Unable to configure {where}";
        var fields = ConnectionFields.Empty;
        var authUnknown = false;
        var hostKeyUnknown = false;

        var port = obj["port"];
        if (port.IsUnknown)
        {
            incomplete = true;
        }
        else if (port.NumberOrNull is { } p)
        {
            if (p != decimal.Truncate(p) || p < 1 || p > 65535)
            {
                diagnostics.Error(summary, $"`port` must be a whole number from 1 to 65535, not {p}.", path.Attribute("port"));
            }
            else
            {
                fields = fields with { Port = (int)p };
            }
        }

        var user = obj["user"];
        if (user.IsUnknown)
        {
            incomplete = true;
        }
        else if (user.StringOrNull is { } u)
        {
            if (string.IsNullOrWhiteSpace(u))
            {
                diagnostics.Error(summary, "`user` is empty. Set it to the SSH user (usually `root` on Proxmox VE) or remove it.", path.Attribute("user"));
            }
            else
            {
                fields = fields with { User = u.Trim() };
            }
        }

        fields = fields with
        {
            PrivateKey = KnownString(obj["private_key"], ref incomplete, ref authUnknown),
            PrivateKeyPath = path.Attribute("private_key"),
            PrivateKeyFile = KnownString(obj["private_key_file"], ref incomplete, ref authUnknown),
            PrivateKeyFilePath = path.Attribute("private_key_file"),
            Password = KnownString(obj["password"], ref incomplete, ref authUnknown),
            KnownHostsFile = KnownString(obj["known_hosts_file"], ref incomplete, ref hostKeyUnknown),
            KnownHostsFilePath = path.Attribute("known_hosts_file"),
        };

        var agent = obj["agent"];
        if (agent.IsUnknown)
        {
            incomplete = true;
            authUnknown = true;
        }
        else
        {
            fields = fields with { Agent = agent.BoolOrNull, AgentPath = path.Attribute("agent") };
        }

        var pin = obj["host_key_sha256"];
        if (pin.IsUnknown)
        {
            incomplete = true;
            hostKeyUnknown = true;
        }
        else if (pin.StringOrNull is { } pinText)
        {
            var normalized = HostKeyFingerprint.Normalize(pinText);
            if (normalized is null)
            {
                diagnostics.Error(
                    summary,
                    "`host_key_sha256` is not a SHA-256 fingerprint. Use the form `ssh-keygen -lf` prints: `SHA256:` followed by 43 base64 characters " +
                    "(run `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on the node).",
                    path.Attribute("host_key_sha256"));
                hostKeyUnknown = true;
            }
            else
            {
                fields = fields with { HostKeySha256 = normalized };
            }
        }

        var timeout = obj["connect_timeout"];
        if (timeout.IsUnknown)
        {
            incomplete = true;
        }
        else if (timeout.StringOrNull is { } timeoutText)
        {
            if (!DurationText.TryParse(timeoutText, out var parsed) || parsed <= TimeSpan.Zero)
            {
                diagnostics.Error(summary, $"`connect_timeout` \"{timeoutText}\" is not a duration. Write it like `30s`, `2m` or `1m30s`.", path.Attribute("connect_timeout"));
            }
            else
            {
                fields = fields with { ConnectTimeout = parsed };
            }
        }

        var insecure = obj["insecure_ignore_host_key"];
        if (insecure.IsUnknown)
        {
            incomplete = true;
            hostKeyUnknown = true;
        }
        else
        {
            fields = fields with { Insecure = insecure.BoolOrNull, InsecurePath = path.Attribute("insecure_ignore_host_key") };
        }

        return fields with { AuthUnknown = authUnknown, HostKeyUnknown = hostKeyUnknown };
    }

    private static string? KnownString(Value value, ref bool incomplete, ref bool unknownFlag)
    {
        if (value.IsUnknown)
        {
            incomplete = true;
            unknownFlag = true;
            return null;
        }

        return NonEmpty(value.StringOrNull);
    }

    private static string? NonEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;

    private static bool LooksLikePrivateKey(string text)
    {
        var t = text.TrimStart();
        return t.StartsWith("-----BEGIN ", StringComparison.Ordinal) && t.Contains("PRIVATE KEY-----", StringComparison.Ordinal);
    }

    private static string ExpandHome(string path, string? home) =>
        home is not null && (path == "~" || path.StartsWith("~/", StringComparison.Ordinal)) ? Path.Combine(home, path.TrimStart('~').TrimStart('/')) : path;

    /// <summary>Null when the file can be opened for reading, otherwise why not (no content is ever read into a message).</summary>
    private static string? CheckReadable(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                return "it is a directory";
            }

            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return null;
        }
        catch (FileNotFoundException)
        {
            return "no such file";
        }
        catch (DirectoryNotFoundException)
        {
            return "no such directory";
        }
        catch (UnauthorizedAccessException)
        {
            return "permission denied";
        }
        catch (IOException e)
        {
            return e.GetType().Name;
        }
    }

    /// <summary>Connection attributes of one level (top level or a node block), each null when not set there.</summary>
    private sealed record ConnectionFields
    {
        public static ConnectionFields Empty { get; } = new();

        public int? Port { get; init; }

        public string? User { get; init; }

        public string? PrivateKey { get; init; }

        public AttributePath? PrivateKeyPath { get; init; }

        public string? PrivateKeyFile { get; init; }

        public AttributePath? PrivateKeyFilePath { get; init; }

        public string? Password { get; init; }

        public bool? Agent { get; init; }

        public AttributePath? AgentPath { get; init; }

        public string? HostKeySha256 { get; init; }

        public string? KnownHostsFile { get; init; }

        public AttributePath? KnownHostsFilePath { get; init; }

        public TimeSpan? ConnectTimeout { get; init; }

        public bool? Insecure { get; init; }

        public AttributePath? InsecurePath { get; init; }

        public bool AuthUnknown { get; init; }

        public bool HostKeyUnknown { get; init; }

        /// <summary>This level's values, falling back to <paramref name="defaults"/>.</summary>
        public ConnectionFields Over(ConnectionFields defaults) => new()
        {
            Port = Port ?? defaults.Port,
            User = User ?? defaults.User,
            PrivateKey = PrivateKey ?? defaults.PrivateKey,
            PrivateKeyPath = PrivateKey is not null ? PrivateKeyPath : defaults.PrivateKeyPath,
            PrivateKeyFile = PrivateKeyFile ?? defaults.PrivateKeyFile,
            PrivateKeyFilePath = PrivateKeyFile is not null ? PrivateKeyFilePath : defaults.PrivateKeyFilePath,
            Password = Password ?? defaults.Password,
            Agent = Agent ?? defaults.Agent,
            AgentPath = Agent is not null ? AgentPath : defaults.AgentPath,
            HostKeySha256 = HostKeySha256 ?? defaults.HostKeySha256,
            KnownHostsFile = KnownHostsFile ?? defaults.KnownHostsFile,
            KnownHostsFilePath = KnownHostsFile is not null ? KnownHostsFilePath : defaults.KnownHostsFilePath,
            ConnectTimeout = ConnectTimeout ?? defaults.ConnectTimeout,
            Insecure = Insecure ?? defaults.Insecure,
            InsecurePath = Insecure is not null ? InsecurePath : defaults.InsecurePath,
            AuthUnknown = AuthUnknown || defaults.AuthUnknown,
            HostKeyUnknown = HostKeyUnknown || defaults.HostKeyUnknown,
        };
    }
}
