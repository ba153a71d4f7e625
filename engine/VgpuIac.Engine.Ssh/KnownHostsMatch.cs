namespace VgpuIac.Engine.Ssh;

/// <summary>What a known_hosts file says about a presented host key.</summary>
public enum KnownHostsMatch
{
    /// <summary>The host is listed with exactly this key.</summary>
    Trusted,

    /// <summary>The host is listed with a different key of the same type: possible man-in-the-middle, or the node was reinstalled.</summary>
    Mismatch,

    /// <summary>The key is marked <c>@revoked</c>.</summary>
    Revoked,

    /// <summary>The host is not listed with a key of this type.</summary>
    NotListed,
}
