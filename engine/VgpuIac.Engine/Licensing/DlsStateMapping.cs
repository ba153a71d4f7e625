using System.Globalization;
using VgpuIac.Engine.Schema;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.Licensing;

/// <summary>Between the node's view (<see cref="DlsNodeState"/>) and the resource's state values, and the planned key attributes.</summary>
internal static class DlsStateMapping
{
    /// <summary>
    /// Sets the planned certificate, signing key, root certificate and token: kept from <paramref name="prior"/> unless
    /// <paramref name="plan"/> makes them anew (unknown until apply). With no prior state or no plan, all are unknown.
    /// </summary>
    public static Value PlanKeys(Value planned, Value? prior, DlsPlan? plan)
    {
        ArgumentNullException.ThrowIfNull(planned);
        var oneX = planned["image"].StringOrNull is { } image && DlsImage.Major(image) == 1;
        if (prior is null || plan is null)
        {
            return planned
                .With("certificate_pem", Value.Unknown)
                .With("certificate_sha256", Value.Unknown)
                .With("signing_key_sha256", Value.Unknown)
                .With("root_certificate_pem", oneX ? Value.Null : Value.Unknown)
                .With("client_token", Value.Unknown);
        }

        return planned
            .With("certificate_pem", plan.Keys.NewWebCertificate ? Value.Unknown : prior["certificate_pem"])
            .With("certificate_sha256", plan.Keys.NewWebCertificate ? Value.Unknown : prior["certificate_sha256"])
            .With("signing_key_sha256", plan.Keys.NewSigningKeys ? Value.Unknown : prior["signing_key_sha256"])
            .With("root_certificate_pem", oneX ? Value.Null : plan.Keys.NewSigningKeys ? Value.Unknown : prior["root_certificate_pem"])
            .With("client_token", plan.NewToken ? Value.Unknown : prior["client_token"]);
    }

    /// <summary>
    /// State is what the node says. What the node cannot tell (template; everything inside a stopped LXC) comes from
    /// <paramref name="basis"/> (the prior state on read, the planned state on apply): stopped is not missing.
    /// </summary>
    public static Value ToState(ResourceDefinition definition, DlsLicenseServerSpec spec, string nodeName, DlsNodeState node, Value? prior, Value basis, string? token)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(basis);
        var fields = new Dictionary<string, Value>(StringComparer.Ordinal);
        foreach (var a in definition.Attributes)
        {
            fields[a.Name] = basis[a.Name].IsUnknown ? Value.Null : basis[a.Name];
        }

        fields["id"] = Value.String(spec.Id(nodeName));
        if (spec.IsLxc && node.CtConfig.Count > 0)
        {
            ReadLxcConfig(node, fields);
        }

        if (node.ContainerExists)
        {
            fields["image"] = Value.FromString(node.Image);
            fields["dls_url"] = Value.FromString(node.EnvValue("DLS_URL"));
            fields["dls_port"] = Value.FromNumber(node.EnvNumber("DLS_PORT"));
            fields["lease_expire_days"] = Value.FromNumber(node.EnvNumber("LEASE_EXPIRE_DAYS"));
            fields["lease_renewal_period"] = decimal.TryParse(node.EnvValue("LEASE_RENEWAL_PERIOD"), NumberStyles.Number, CultureInfo.InvariantCulture, out var lrp) ? Value.Number(lrp) : Value.Null;
            fields["timezone"] = Value.FromString(node.EnvValue("TZ"));
        }

        var observed = DlsLicenseServerSpec.From(Value.Object(fields));
        fields["status"] = Value.String(DlsPlanner.Status(spec.IsLxc, node, observed.Major));
        fields["url"] = Value.String(observed.Url);
        fields["client_token_url"] = Value.String(observed.ClientTokenUrl);
        fields["container_name"] = Value.String(DlsLicenseServerSpec.ContainerName);

        if (node.KeyFacts() is { } facts)
        {
            fields["certificate_pem"] = Value.FromString(facts.CertificatePem);
            fields["certificate_sha256"] = Value.FromString(DlsKeyMaterial.CertificateSha256(facts.CertificatePem));
            fields["signing_key_sha256"] = Value.FromString(facts.SigningKeySha256);
            fields["root_certificate_pem"] = Value.FromString(facts.RootCertificatePem);
            fields["key_generation"] = Value.FromNumber(facts.KeyGeneration);
        }

        fields["client_token"] = (token ?? KeptToken(prior, fields)) is { } tok ? Value.String(tok).AsSensitive() : Value.Null;
        return Value.Object(fields);
    }

    /// <summary>The prior token stays valid while the signing key, the address and the port are the same.</summary>
    private static string? KeptToken(Value? prior, Dictionary<string, Value> now)
    {
        if (prior?["client_token"].StringOrNull is not { } token)
        {
            return null;
        }

        var sameSigner = prior["signing_key_sha256"].StringOrNull is { } signer
            ? signer == now["signing_key_sha256"].StringOrNull
            : prior["certificate_sha256"].StringOrNull == now["certificate_sha256"].StringOrNull; // state written before the signing key was recorded
        var sameAddress = prior["dls_url"].Equals(now["dls_url"]) && prior["dls_port"].Equals(now["dls_port"]);
        return sameSigner && sameAddress ? token : null;
    }

    private static void ReadLxcConfig(DlsNodeState node, Dictionary<string, Value> fields)
    {
        var config = node.CtConfig;
        if (config.TryGetValue("hostname", out var hn))
        {
            fields["hostname"] = Value.String(hn);
        }

        if (config.TryGetValue("memory", out var mem) && long.TryParse(mem, CultureInfo.InvariantCulture, out var m))
        {
            fields["memory_mb"] = Value.Number(m);
        }

        if (config.TryGetValue("net0", out var net0))
        {
            var kv = net0.Split(',').Select(p => p.Split('=', 2)).Where(p => p.Length == 2).GroupBy(p => p[0], StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.First()[1], StringComparer.Ordinal);
            if (kv.TryGetValue("bridge", out var br))
            {
                fields["bridge"] = Value.String(br);
            }

            if (kv.TryGetValue("ip", out var ip))
            {
                fields["ip_address"] = Value.String(ip);
            }

            fields["gateway"] = kv.TryGetValue("gw", out var gw) ? Value.String(gw) : Value.Null;
        }

        if (config.TryGetValue("rootfs", out var rootfs) && rootfs.Contains(':', StringComparison.Ordinal))
        {
            fields["storage"] = Value.String(rootfs[..rootfs.IndexOf(':', StringComparison.Ordinal)]);
            var size = rootfs.Split(',').FirstOrDefault(p => p.StartsWith("size=", StringComparison.Ordinal));
            if (size is not null && long.TryParse(size[5..].TrimEnd('G'), CultureInfo.InvariantCulture, out var gb))
            {
                fields["disk_size_gb"] = Value.Number(gb);
            }
        }
    }
}
