using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace VgpuIac.DlsStandIn;

/// <summary>Compact RS256 JWS, as FastAPI-DLS's python-jose produces and checks.</summary>
public static class Jws
{
    public static string Sign(JsonObject payload, RSA key)
    {
        var header = Base64Url(Encoding.UTF8.GetBytes("{\"alg\":\"RS256\",\"typ\":\"JWT\"}"));
        var body = Base64Url(Encoding.UTF8.GetBytes(payload.ToJsonString()));
        var signingInput = header + "." + body;
        var signature = key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signingInput + "." + Base64Url(signature);
    }

    /// <summary>Verifies the signature and returns the payload, or null with a reason.</summary>
    public static JsonObject? Verify(string token, RSA key, out string? error)
    {
        error = null;
        var parts = token.Trim().Split('.');
        if (parts.Length != 3)
        {
            error = "not a compact JWS";
            return null;
        }

        try
        {
            var ok = key.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), FromBase64Url(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            if (!ok)
            {
                error = "Signature verification failed";
                return null;
            }

            return JsonNode.Parse(FromBase64Url(parts[1])) as JsonObject;
        }
        catch (Exception e) when (e is FormatException or JsonException or CryptographicException)
        {
            error = "Failed to decode signature from token received: " + e.Message;
            return null;
        }
    }

    public static string Base64Url(byte[] data) => Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static byte[] FromBase64Url(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        s += (s.Length % 4) switch { 2 => "==", 3 => "=", _ => string.Empty };
        return Convert.FromBase64String(s);
    }
}
