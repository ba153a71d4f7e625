namespace VgpuIac.Engine.Licensing;

/// <summary>One file of a licence server's key material, as it is placed in the cert volume (owner root).</summary>
internal sealed record DlsKeyFile(string Name, string Content, bool Secret)
{
    /// <summary>0600 for private keys, 0644 for certificates and public keys.</summary>
    public int Mode => Secret ? Convert.ToInt32("600", 8) : Convert.ToInt32("644", 8);

    public string ModeText => Secret ? "0600" : "0644";
}
