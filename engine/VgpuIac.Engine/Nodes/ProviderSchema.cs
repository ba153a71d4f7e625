using System.Collections.Immutable;
using VgpuIac.Engine.Schema;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.Nodes;

/// <summary>
/// The provider configuration: one or more PVE nodes reached over SSH, plus shared connection defaults.
/// Secrets fall back to environment variables so they stay out of configuration files.
/// </summary>
public static class ProviderSchema
{
    /// <summary>Environment variable with the private key text, used when no <c>private_key</c> is configured.</summary>
    public const string PrivateKeyEnv = "VGPU_SSH_PRIVATE_KEY";
    /// <summary>Environment variable with the private key file's path, used when no <c>private_key_file</c> is configured.</summary>
    public const string PrivateKeyFileEnv = "VGPU_SSH_PRIVATE_KEY_FILE";
    /// <summary>Environment variable with the SSH password, used when no <c>password</c> is configured.</summary>
    public const string PasswordEnv = "VGPU_SSH_PASSWORD";
    /// <summary>Environment variable with the known_hosts file's path, used when no <c>known_hosts_file</c> is configured.</summary>
    public const string KnownHostsEnv = "VGPU_SSH_KNOWN_HOSTS_FILE";

    private static ImmutableArray<AttributeDefinition> ConnectionAttributes(bool perNode) =>
    [
        Attr.Optional("port", AttrType.Integer, perNode ? "SSH port of this node. Defaults to the provider's `port`, else 22." : "Default SSH port. Defaults to 22."),
        Attr.Optional("user", AttrType.String, perNode ? "SSH user on this node. Defaults to the provider's `user`, else `root`." : "Default SSH user. Defaults to `root`."),
        Attr.Optional("private_key", AttrType.String, $"PEM or OpenSSH private key text. Falls back to `{PrivateKeyEnv}`.") with { Sensitive = true },
        Attr.Optional("private_key_file", AttrType.String, $"Path of a private key file. Falls back to `{PrivateKeyFileEnv}`."),
        Attr.Optional("password", AttrType.String, $"SSH password (prefer keys). Falls back to `{PasswordEnv}`.") with { Sensitive = true },
        Attr.Optional("agent", AttrType.Bool, "Authenticate with the keys of the running ssh-agent (`SSH_AUTH_SOCK`)."),
        Attr.Optional("host_key_sha256", AttrType.String, "Pinned SHA-256 fingerprint of the node's SSH host key, as `ssh-keygen -lf` prints it (`SHA256:...`). Either this or a known_hosts entry is required: host keys are never trusted on first use."),
        Attr.Optional("known_hosts_file", AttrType.String, $"known_hosts file to verify host keys against. Falls back to `{KnownHostsEnv}`, then `~/.ssh/known_hosts`."),
        Attr.Optional("connect_timeout", AttrType.String, "How long to keep trying to connect, as a duration (`30s`, `2m`). Default `30s`."),
        Attr.Optional("insecure_ignore_host_key", AttrType.Bool, "DANGEROUS: accept any host key. Only for throw-away lab nodes; a warning is shown on every run."),
    ];

    /// <summary>The provider's configuration schema: the <c>node</c> blocks and the shared connection defaults.</summary>
    public static ResourceDefinition Definition { get; } = new()
    {
        Name = "vgpu",
        PulumiName = "Provider",
        Kind = ObjectKind.Provider,
        Description = "Configures how VgpuIac reaches Proxmox VE nodes over SSH. Declare each node in a `node` block; " +
            "attributes at the top level are defaults shared by all nodes.",
        Attributes = ConnectionAttributes(perNode: false),
        Blocks =
        [
            new BlockDefinition
            {
                Name = "node",
                Description = "A Proxmox VE node, keyed by the name resources use in their `node` attribute.",
                Nesting = BlockNesting.Map,
                Attributes =
                [
                    Attr.Required("host", AttrType.String, "Host name or IP address of the node's SSH server."),
                    .. ConnectionAttributes(perNode: true),
                ],
            },
        ],
    };

    /// <summary>The attribute every resource uses to name its node.</summary>
    public static AttributeDefinition NodeAttribute { get; } = new()
    {
        Name = "node",
        Type = AttrType.String,
        Mode = AttributeMode.OptionalComputed,
        ForcesReplacement = true,
        Description = "Name of the node (a `node` block of the provider). May be omitted when the provider has exactly one node.",
    };
}
