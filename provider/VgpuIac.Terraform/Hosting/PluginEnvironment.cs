namespace VgpuIac.Terraform.Hosting;

/// <summary>What go-plugin tells the plugin through environment variables.</summary>
public sealed record PluginEnvironment
{
    public const string MagicCookieKey = "TF_PLUGIN_MAGIC_COOKIE";
    public const string MagicCookieValue = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
    public const int ProtocolVersion = 6;

    public bool HasMagicCookie { get; init; }

    /// <summary>
    /// Terraform's client certificate (AutoMTLS) as PEM, parsed by <see cref="TransportCertificates.Create"/> (which loads
    /// OpenSSL, so not here); null means serve plaintext h2c.
    /// </summary>
    public string? ClientCertificatePem { get; init; }

    /// <summary>False when the client lists protocol versions and 6 is not among them.</summary>
    public bool SupportsProtocol6 { get; init; } = true;

    public static PluginEnvironment Read(Func<string, string?> getVariable)
    {
        ArgumentNullException.ThrowIfNull(getVariable);
        var versions = getVariable("PLUGIN_PROTOCOL_VERSIONS");
        var pem = getVariable("PLUGIN_CLIENT_CERT");
        return new PluginEnvironment
        {
            HasMagicCookie = getVariable(MagicCookieKey) == MagicCookieValue,
            ClientCertificatePem = string.IsNullOrWhiteSpace(pem) ? null : pem,
            SupportsProtocol6 = string.IsNullOrWhiteSpace(versions)
                || versions.Split(',', StringSplitOptions.TrimEntries).Contains(ProtocolVersion.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        };
    }
}
