namespace VgpuIac.Engine.Nodes;

/// <summary>SHA-256 host key fingerprints as OpenSSH prints them (<c>SHA256:</c> + unpadded base64 of 32 bytes).</summary>
public static class HostKeyFingerprint
{
    /// <summary>
    /// The unpadded base64 of a fingerprint written as <c>SHA256:xxx</c>, <c>xxx</c> or <c>xxx=</c>; null when it is not
    /// the base64 of 32 bytes.
    /// </summary>
    public static string? Normalize(string? fingerprint)
    {
        if (fingerprint is null)
        {
            return null;
        }

        var text = fingerprint.Trim();
        if (text.StartsWith("SHA256:", StringComparison.OrdinalIgnoreCase))
        {
            text = text["SHA256:".Length..];
        }

        text = text.TrimEnd('=');
        if (text.Length != 43)
        {
            return null;
        }

        var padded = text + "=";
        var buffer = new byte[33];
        if (!Convert.TryFromBase64String(padded, buffer, out var written) || written != 32)
        {
            // Also accept the URL-safe alphabet some tools print.
            padded = padded.Replace('-', '+').Replace('_', '/');
            if (!Convert.TryFromBase64String(padded, buffer, out written) || written != 32)
            {
                return null;
            }

            text = padded.TrimEnd('=');
        }

        return text;
    }

    /// <summary>The OpenSSH rendering, <c>SHA256:xxx</c>.</summary>
    public static string Display(string normalized) => "SHA256:" + normalized;

    /// <summary>True when both fingerprints name the same key (prefix and padding ignored).</summary>
    public static bool Matches(string? expected, string? presented)
    {
        var a = Normalize(expected);
        var b = Normalize(presented);
        return a is not null && b is not null && string.Equals(a, b, StringComparison.Ordinal);
    }
}
