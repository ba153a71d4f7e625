using VgpuIac.Engine.Nodes;
using VgpuIac.Engine.Ssh;

namespace VgpuIac.Engine.Tests.Ssh;

public sealed class KnownHostsTests
{
    private static readonly byte[] Key = Convert.FromBase64String("AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl");
    private static readonly byte[] OtherKey = Convert.FromBase64String("AAAAC3NzaC1lZDI1NTE5AAAAIE7x9ln6uZLLkfXM8iatrnG5GmBa7MT2oVQpGHCHrW/T");
    private static readonly string KeyText = Convert.ToBase64String(Key);

    [Theory]
    [InlineData("pve1.lan ssh-ed25519 {0}", "pve1.lan", 22, KnownHostsMatch.Trusted)]
    [InlineData("PVE1.LAN ssh-ed25519 {0}", "pve1.lan", 22, KnownHostsMatch.Trusted)]
    [InlineData("pve1.lan,10.0.0.5 ssh-ed25519 {0}", "10.0.0.5", 22, KnownHostsMatch.Trusted)]
    [InlineData("[10.0.0.5]:2222 ssh-ed25519 {0}", "10.0.0.5", 2222, KnownHostsMatch.Trusted)]
    [InlineData("10.0.0.5 ssh-ed25519 {0}", "10.0.0.5", 2222, KnownHostsMatch.NotListed)]
    [InlineData("*.lan ssh-ed25519 {0}", "pve1.lan", 22, KnownHostsMatch.Trusted)]
    [InlineData("pve?.lan ssh-ed25519 {0}", "pve1.lan", 22, KnownHostsMatch.Trusted)]
    [InlineData("*.lan,!pve1.lan ssh-ed25519 {0}", "pve1.lan", 22, KnownHostsMatch.NotListed)]
    [InlineData("pve1.lan ssh-rsa {0}", "pve1.lan", 22, KnownHostsMatch.NotListed)]
    [InlineData("@revoked pve1.lan ssh-ed25519 {0}", "pve1.lan", 22, KnownHostsMatch.Revoked)]
    [InlineData("@cert-authority *.lan ssh-ed25519 {0}", "pve1.lan", 22, KnownHostsMatch.NotListed)]
    [InlineData("# pve1.lan ssh-ed25519 {0}", "pve1.lan", 22, KnownHostsMatch.NotListed)]
    public void Entries_match_like_OpenSSH(string line, string host, int port, KnownHostsMatch expected)
    {
        Assert.Equal(expected, KnownHosts.Check(string.Format(System.Globalization.CultureInfo.InvariantCulture, line, KeyText) + "\n", host, port, Key));
    }

    [Fact]
    public void A_different_key_of_the_same_type_is_a_mismatch_unless_another_line_trusts_it()
    {
        var other = KnownHosts.FormatLine("pve1.lan", 22, OtherKey);
        var mine = KnownHosts.FormatLine("pve1.lan", 22, Key);

        Assert.Equal(KnownHostsMatch.Mismatch, KnownHosts.Check(other, "pve1.lan", 22, Key));
        Assert.Equal(KnownHostsMatch.Trusted, KnownHosts.Check(other + "\n" + mine, "pve1.lan", 22, Key));
    }

    [Fact]
    public void Hashed_entries_match_only_their_host_and_port()
    {
        var hashed = KnownHosts.FormatLine("10.0.0.5", 2222, Key, hashed: true);

        Assert.StartsWith("|1|", hashed, StringComparison.Ordinal);
        Assert.Equal(KnownHostsMatch.Trusted, KnownHosts.Check(hashed, "10.0.0.5", 2222, Key));
        Assert.Equal(KnownHostsMatch.NotListed, KnownHosts.Check(hashed, "10.0.0.5", 22, Key));
        Assert.Equal(KnownHostsMatch.NotListed, KnownHosts.Check(hashed, "10.0.0.6", 2222, Key));
    }

    [Fact]
    public void Fingerprints_compare_without_prefix_and_padding()
    {
        var fp = HostKeyVerifier.Fingerprint(Key);

        Assert.True(HostKeyFingerprint.Matches("SHA256:" + fp, fp + "="));
        Assert.False(HostKeyFingerprint.Matches("SHA256:" + fp, HostKeyVerifier.Fingerprint(OtherKey)));
        Assert.Null(HostKeyFingerprint.Normalize("SHA256:short"));
    }
}
