using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using VgpuIac.NodeSim;

namespace VgpuIac.Engine.Tests.Licensing;

/// <summary>What a licence server left on the simulated node: key files and their modes, leases, token signatures.</summary>
public static class DlsNodeFiles
{
    public static readonly string[] ChainPrivate = ["root_private_key.pem", "ca_private_key.pem", "si_private_key.pem"];

    public static readonly string[] ChainPublic = ["root_certificate.pem", "ca_certificate.pem", "si_certificate.pem"];

    /// <summary>Every key file of the cert volume: private keys 0600, certificates and public keys 0644, all owned by root.</summary>
    public static async Task AssertKeyModesAsync(SimulatedNode node, string certDir, int major)
    {
        string[] secret = major == 1 ? ["webserver.key", "instance.private.pem"] : ["webserver.key", .. ChainPrivate];
        string[] open = major == 1 ? ["webserver.crt", "instance.public.pem"] : ["webserver.crt", .. ChainPublic];
        var listing = await node.ExecCheckedAsync($"cd '{certDir}' && stat -c '%n %a %U:%G' {string.Join(' ', secret.Concat(open))}");
        var modes = listing.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')).ToDictionary(p => p[0], p => (Mode: p[1], Owner: p[2]));
        foreach (var f in secret)
        {
            Assert.Equal(("600", "root:root"), modes[f]);
        }

        foreach (var f in open)
        {
            Assert.Equal(("644", "root:root"), modes[f]);
        }
    }

    /// <summary>SHA-256 of every file in the cert volume (one line per file), to show that nothing changed.</summary>
    public static Task<string> FingerprintAsync(SimulatedNode node, string certDir) =>
        node.ExecCheckedAsync($"cd '{certDir}' && sha256sum * | sort");

    /// <summary>POSTs a lease request with <paramref name="token"/> to the server and returns the HTTP status.</summary>
    public static async Task<int> LeaseAsync(SimulatedNode node, int port, string token)
    {
        var body = new JsonObject { ["client_token"] = token, ["origin_ref"] = "test-origin", ["client_time"] = DateTimeOffset.UtcNow.ToString("O") }.ToJsonString();
        var r = await node.ExecAsync($"curl -sk -o /dev/null -w '%{{http_code}}' -X POST -H 'Content-Type: application/json' --data-binary @- https://127.0.0.1:{port}/leasing/v1/lessor", standardInput: body);
        return int.Parse(r.StandardOutput.Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>SHA-256 of the SubjectPublicKeyInfo of the key that verifies the token's signature (the key the token names).</summary>
    public static string SigningKeyOfToken(string token)
    {
        var parts = token.Split('.');
        var payload = JsonNode.Parse(FromBase64Url(parts[1]))!;
        var pem = payload["service_instance_public_key_configuration"]!["service_instance_public_key_pem"]!.GetValue<string>();
        using var rsa = RSA.Create();
        rsa.ImportFromPem(pem);
        Assert.True(rsa.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), FromBase64Url(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            "the token is not signed by the key it names");
        return Convert.ToHexStringLower(SHA256.HashData(rsa.ExportSubjectPublicKeyInfo()));
    }

    /// <summary>The services the token's first port set maps (2.x: auth and lease; 1.x: auth).</summary>
    public static IReadOnlyList<string> ServicesOfToken(string token)
    {
        var payload = JsonNode.Parse(FromBase64Url(token.Split('.')[1]))!;
        return [.. payload["service_instance_configuration"]!["svc_port_set_list"]![0]!["svc_port_map"]!.AsArray().Select(m => m!["service"]!.GetValue<string>())];
    }

    private static byte[] FromBase64Url(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        s += (s.Length % 4) switch { 2 => "==", 3 => "=", _ => string.Empty };
        return Convert.FromBase64String(s);
    }
}
