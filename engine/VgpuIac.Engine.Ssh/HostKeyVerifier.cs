using System.Security.Cryptography;
using VgpuIac.Engine.Nodes;

namespace VgpuIac.Engine.Ssh;

/// <summary>
/// Decides whether to trust a node's host key: the pinned SHA-256 fingerprint when configured, else the known_hosts file.
/// Never trusts on first use; <see cref="NodeSettings.InsecureIgnoreHostKey"/> is the only way around it.
/// </summary>
public static class HostKeyVerifier
{
    /// <summary>
    /// Checks the key <paramref name="keyBlob"/> (SSH wire format) that the node presented;
    /// <paramref name="presentedSha256"/> is the client library's fingerprint of it (any of the usual spellings).
    /// </summary>
    public static HostKeyVerdict Verify(NodeSettings node, byte[] keyBlob, string? presentedSha256)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(keyBlob);
        var presented = HostKeyFingerprint.Normalize(presentedSha256) ?? Fingerprint(keyBlob);
        var keyType = KnownHosts.KeyType(keyBlob);
        if (node.InsecureIgnoreHostKey)
        {
            return HostKeyVerdict.Trust;
        }

        if (node.HostKeySha256 is { } pinned)
        {
            if (HostKeyFingerprint.Matches(pinned, presented))
            {
                return HostKeyVerdict.Trust;
            }

            return new HostKeyVerdict(
                false,
                $"Host key of {node.Host}:{node.Port} does not match the pinned fingerprint: expected {HostKeyFingerprint.Display(pinned)}, " +
                $"but the server presented {keyType} {HostKeyFingerprint.Display(presented)}.",
                "This can be a man-in-the-middle attack, or the node was reinstalled or its host keys regenerated. " +
                "Check the key on the node's console (`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`); only if it is the node's real key, " +
                $"update `host_key_sha256` of node \"{node.Name}\".");
        }

        if (node.KnownHostsFile is { } file)
        {
            string text;
            try
            {
                text = File.ReadAllText(file);
            }
            catch (IOException e)
            {
                return new HostKeyVerdict(false, $"Cannot read the known_hosts file \"{file}\": {e.Message}", "Check the path of `known_hosts_file`.");
            }
            catch (UnauthorizedAccessException)
            {
                return new HostKeyVerdict(false, $"Cannot read the known_hosts file \"{file}\": permission denied.", "Check the permissions of `known_hosts_file`.");
            }

            var listedAs = node.Port == 22 ? node.Host : $"[{node.Host}]:{node.Port}";
            return KnownHosts.Check(text, node.Host, node.Port, keyBlob) switch
            {
                KnownHostsMatch.Trusted => HostKeyVerdict.Trust,
                KnownHostsMatch.Revoked => new HostKeyVerdict(
                    false,
                    $"Host key {keyType} {HostKeyFingerprint.Display(presented)} of {node.Host}:{node.Port} is marked @revoked in \"{file}\".",
                    "Do not connect until the node has a new host key; then list the new key in known_hosts."),
                KnownHostsMatch.Mismatch => new HostKeyVerdict(
                    false,
                    $"Host key of {node.Host}:{node.Port} does not match \"{file}\": {listedAs} is listed with a different {keyType} key, " +
                    $"but the server presented {HostKeyFingerprint.Display(presented)}.",
                    "This can be a man-in-the-middle attack, or the node was reinstalled. Check the key on the node's console " +
                    $"(`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`); only if it is the node's real key, remove the old entry (`ssh-keygen -R '{listedAs}' -f {file}`) and add the new one."),
                _ => new HostKeyVerdict(
                    false,
                    $"{listedAs} is not listed with a {keyType} key in \"{file}\"; the server presented {HostKeyFingerprint.Display(presented)}. Host keys are never trusted on first use.",
                    $"Verify the fingerprint on the node's console (`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`), then set `host_key_sha256` of node \"{node.Name}\" " +
                    $"or add the key to \"{file}\"."),
            };
        }

        return new HostKeyVerdict(
            false,
            $"No host key is configured for {node.Host}:{node.Port} (the server presented {keyType} {HostKeyFingerprint.Display(presented)}). Host keys are never trusted on first use.",
            $"Set `host_key_sha256` of node \"{node.Name}\" after checking the fingerprint on the node's console, or configure `known_hosts_file`.");
    }

    /// <summary>The unpadded base64 SHA-256 of a key blob, as OpenSSH prints it after <c>SHA256:</c>.</summary>
    public static string Fingerprint(byte[] keyBlob) => Convert.ToBase64String(SHA256.HashData(keyBlob)).TrimEnd('=');
}
