namespace VgpuIac.Engine.Licensing;

/// <summary>Which key material an apply makes anew. Nothing else ever replaces a key or a certificate.</summary>
internal sealed record DlsKeyWork(bool NewWebCertificate, bool NewSigningKeys)
{
    public bool Any => NewWebCertificate || NewSigningKeys;
}
