using System.Collections.Immutable;
using VgpuIac.Engine.Diagnostics;

namespace VgpuIac.Engine.Licensing;

/// <summary>What an update of <c>vgpu_dls_license_server</c> does to its key material and token, decided from the configuration and the prior state.</summary>
internal sealed record DlsPlan
{
    public required DlsKeyWork Keys { get; init; }

    /// <summary>A new client token is fetched (the signing key, the address or the port change, or there is none).</summary>
    public bool NewToken { get; init; }

    public ImmutableArray<Diagnostic> Diagnostics { get; init; } = [];
}
