using System.Globalization;
using VgpuIac.Engine.Nodes;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.Guests;

/// <summary>
/// SSH straight into the guest (<c>guest_ssh_*</c> of vgpu_guest): the same setup commands run there instead of through
/// the QEMU guest agent. The host key is pinned (<see cref="HostKeySha256"/>, normalised): never trusted on first use.
/// </summary>
internal sealed record GuestSshTarget
{
    public const int DefaultPort = 22;

    public const string DefaultUser = "root";

    public required string Host { get; init; }

    public int Port { get; init; } = DefaultPort;

    public string User { get; init; } = DefaultUser;

    /// <summary>Private key text (secret; never in <see cref="ToString"/>).</summary>
    public string? PrivateKey { get; init; }

    public string? PrivateKeyFile { get; init; }

    /// <summary>The unpadded base64 SHA-256 of the guest's host key (no <c>SHA256:</c> prefix); null when the value was not a fingerprint.</summary>
    public string? HostKeySha256 { get; init; }

    /// <summary>The target configured in <paramref name="v"/>; null when <c>guest_ssh_host</c> is not set.</summary>
    public static GuestSshTarget? From(Value v) =>
        v["guest_ssh_host"].StringOrNull is not { } host ? null : new GuestSshTarget
        {
            Host = host,
            Port = (int)(v["guest_ssh_port"].Int64OrNull ?? DefaultPort),
            User = v["guest_ssh_user"].StringOrNull ?? DefaultUser,
            PrivateKey = v["guest_ssh_private_key"].StringOrNull,
            PrivateKeyFile = v["guest_ssh_private_key_file"].StringOrNull,
            HostKeySha256 = HostKeyFingerprint.Normalize(v["guest_ssh_host_key_sha256"].StringOrNull),
        };

    /// <summary>Connection settings for the transport; <paramref name="connectTimeout"/> bounds each (re)connect.</summary>
    public NodeSettings ToSettings(long vmid, TimeSpan connectTimeout) => new()
    {
        Name = $"guest of VM {vmid.ToString(CultureInfo.InvariantCulture)}",
        Host = Host,
        Port = Port,
        User = User,
        PrivateKey = PrivateKey,
        PrivateKeyFile = PrivateKeyFile,
        HostKeySha256 = HostKeySha256,
        ConnectTimeout = connectTimeout,
    };

    public override string ToString() => $"GuestSshTarget {{ {User}@{Host}:{Port.ToString(CultureInfo.InvariantCulture)} }}";
}
