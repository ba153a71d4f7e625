using System.Text;

namespace VgpuIac.Engine.Nodes;

/// <summary>
/// How to reach one node over SSH, with provider defaults and environment fallbacks already applied.
/// Secrets (<see cref="PrivateKey"/>, <see cref="Password"/>) never appear in <see cref="ToString"/>.
/// </summary>
public sealed record NodeSettings
{
    /// <summary>How long to keep trying to connect when the configuration does not say (30 s).</summary>
    public static TimeSpan DefaultConnectTimeout { get; } = TimeSpan.FromSeconds(30);

    /// <summary>The SSH port when neither the node nor the provider sets one.</summary>
    public const int DefaultPort = 22;

    /// <summary>The SSH user when neither the node nor the provider sets one: PVE is administered as root.</summary>
    public const string DefaultUser = "root";

    /// <summary>The key of the node block, used by resources in their <c>node</c> attribute.</summary>
    public required string Name { get; init; }

    /// <summary>The node's address: DNS name or IP, without user or port.</summary>
    public required string Host { get; init; }

    /// <summary>The SSH port.</summary>
    public int Port { get; init; } = DefaultPort;

    /// <summary>The SSH user.</summary>
    public string User { get; init; } = DefaultUser;

    /// <summary>Inline PEM or OpenSSH private key text (secret).</summary>
    public string? PrivateKey { get; init; }

    /// <summary>Path of a private key file (checked readable at configuration time).</summary>
    public string? PrivateKeyFile { get; init; }

    /// <summary>Password (secret).</summary>
    public string? Password { get; init; }

    /// <summary>Authenticate with the keys of the ssh-agent at <see cref="AgentSocket"/>.</summary>
    public bool UseAgent { get; init; }

    /// <summary>The ssh-agent socket (<c>SSH_AUTH_SOCK</c>) when <see cref="UseAgent"/> is set.</summary>
    public string? AgentSocket { get; init; }

    /// <summary>Pinned host key fingerprint: the base64 SHA-256, without the <c>SHA256:</c> prefix and without padding.</summary>
    public string? HostKeySha256 { get; init; }

    /// <summary>known_hosts file to verify the host key against (used when no fingerprint is pinned, or in addition).</summary>
    public string? KnownHostsFile { get; init; }

    /// <summary>True when <see cref="KnownHostsFile"/> is <c>~/.ssh/known_hosts</c>, used only because no host key source was configured.</summary>
    public bool KnownHostsFileIsDefault { get; init; }

    /// <summary>How long to keep trying to connect before the node counts as unreachable.</summary>
    public TimeSpan ConnectTimeout { get; init; } = DefaultConnectTimeout;

    /// <summary>Accept any host key (a warning was shown at configuration time).</summary>
    public bool InsecureIgnoreHostKey { get; init; }

    /// <summary>True when some authentication method is configured.</summary>
    public bool HasAuthentication => PrivateKey is not null || PrivateKeyFile is not null || Password is not null || UseAgent;

    /// <summary>Where the node is, for messages: <c>user@host:port</c>.</summary>
    public string Endpoint => $"{User}@{Host}:{Port}";

    /// <summary>The node's name, endpoint and authentication methods, without any secret.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append("NodeSettings { Name = ").Append(Name).Append(", Endpoint = ").Append(Endpoint);
        sb.Append(", Auth = ").Append(string.Join('+', AuthenticationMethods()));
        sb.Append(", HostKey = ").Append(InsecureIgnoreHostKey ? "INSECURE-IGNORED" : HostKeySha256 is not null ? "SHA256:" + HostKeySha256 : "known_hosts " + KnownHostsFile);
        sb.Append(", ConnectTimeout = ").Append(ConnectTimeout).Append(" }");
        return sb.ToString();
    }

    /// <summary>Names of the configured authentication methods (never their values).</summary>
    public IEnumerable<string> AuthenticationMethods()
    {
        if (PrivateKey is not null) { yield return "private_key"; }
        if (PrivateKeyFile is not null) { yield return "private_key_file"; }
        if (UseAgent) { yield return "agent"; }
        if (Password is not null) { yield return "password"; }
    }
}
