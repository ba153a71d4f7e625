namespace VgpuIac.Engine.Licensing;

/// <summary>
/// The key material of a licence server as the planner compares it: read from the node (apply) or from the state the
/// last read left (plan). Null members are missing.
/// </summary>
internal sealed record DlsKeyFacts
{
    public string? CertificatePem { get; init; }

    public string? SigningKeySha256 { get; init; }

    public string? RootCertificatePem { get; init; }

    /// <summary>The FastAPI-DLS major version the signing material is for (2: the CA chain, 1: the instance key).</summary>
    public int? Major { get; init; }

    /// <summary>The <c>key_generation</c> the material was made for (VgpuIac's marker), null when unset or hand-made.</summary>
    public long? KeyGeneration { get; init; }
}
