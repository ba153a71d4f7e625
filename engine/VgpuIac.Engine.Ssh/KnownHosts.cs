using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace VgpuIac.Engine.Ssh;

/// <summary>
/// Reads OpenSSH known_hosts text: plain and hashed (<c>|1|salt|hash</c>) host fields, comma-separated patterns with
/// <c>*</c>/<c>?</c> wildcards and <c>!</c> negation, the <c>[host]:port</c> form for ports other than 22,
/// and the <c>@revoked</c> marker (<c>@cert-authority</c> lines are ignored). The key type must match.
/// </summary>
public static class KnownHosts
{
    /// <summary>Looks up <paramref name="host"/>:<paramref name="port"/> presenting <paramref name="keyBlob"/> (SSH wire format).</summary>
    public static KnownHostsMatch Check(string knownHostsText, string host, int port, byte[] keyBlob)
    {
        ArgumentNullException.ThrowIfNull(knownHostsText);
        ArgumentNullException.ThrowIfNull(keyBlob);
        var keyType = KeyType(keyBlob);
        var hostName = port == 22 ? host : $"[{host}]:{port}";
        var result = KnownHostsMatch.NotListed;
        foreach (var rawLine in knownHostsText.Split('\n'))
        {
            var line = rawLine.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            var marker = fields[0].StartsWith('@') ? fields[0] : null;
            var offset = marker is null ? 0 : 1;
            if (fields.Length < offset + 3 || marker == "@cert-authority")
            {
                continue;
            }

            if (!HostFieldMatches(fields[offset], hostName))
            {
                continue;
            }

            byte[] listedBlob;
            try
            {
                listedBlob = Convert.FromBase64String(fields[offset + 2]);
            }
            catch (FormatException)
            {
                continue;
            }

            var sameKey = listedBlob.AsSpan().SequenceEqual(keyBlob);
            if (marker == "@revoked")
            {
                if (sameKey)
                {
                    return KnownHostsMatch.Revoked;
                }

                continue;
            }

            if (!string.Equals(fields[offset + 1], keyType, StringComparison.Ordinal) || !string.Equals(KeyType(listedBlob), keyType, StringComparison.Ordinal))
            {
                continue;
            }

            if (sameKey)
            {
                result = KnownHostsMatch.Trusted;
            }
            else if (result != KnownHostsMatch.Trusted)
            {
                result = KnownHostsMatch.Mismatch;
            }
        }

        return result;
    }

    /// <summary>The key type named inside an SSH public key blob (<c>ssh-ed25519</c>, <c>ssh-rsa</c>, ...), or empty.</summary>
    public static string KeyType(ReadOnlySpan<byte> keyBlob)
    {
        if (keyBlob.Length < 4)
        {
            return string.Empty;
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(keyBlob);
        return length > (uint)(keyBlob.Length - 4) ? string.Empty : Encoding.ASCII.GetString(keyBlob.Slice(4, (int)length));
    }

    /// <summary>A known_hosts line for <paramref name="host"/> (hashed when <paramref name="hashed"/>), as <c>ssh-keyscan</c> would write it.</summary>
    public static string FormatLine(string host, int port, byte[] keyBlob, bool hashed = false)
    {
        var hostName = port == 22 ? host : $"[{host}]:{port}";
        if (hashed)
        {
            var salt = RandomNumberGenerator.GetBytes(20);
            var hash = HMACSHA1.HashData(salt, Encoding.UTF8.GetBytes(hostName));
            hostName = $"|1|{Convert.ToBase64String(salt)}|{Convert.ToBase64String(hash)}";
        }

        return $"{hostName} {KeyType(keyBlob)} {Convert.ToBase64String(keyBlob)}";
    }

    private static bool HostFieldMatches(string field, string hostName)
    {
        if (field.StartsWith("|1|", StringComparison.Ordinal))
        {
            var parts = field.Split('|');
            if (parts.Length != 4)
            {
                return false;
            }

            try
            {
                var salt = Convert.FromBase64String(parts[2]);
                var expected = Convert.FromBase64String(parts[3]);
                var actual = HMACSHA1.HashData(salt, Encoding.UTF8.GetBytes(hostName));
                return CryptographicOperations.FixedTimeEquals(actual, expected);
            }
            catch (FormatException)
            {
                return false;
            }
        }

        var matched = false;
        foreach (var pattern in field.Split(','))
        {
            if (pattern.StartsWith('!'))
            {
                if (Glob(pattern[1..], hostName))
                {
                    return false;
                }
            }
            else if (Glob(pattern, hostName))
            {
                matched = true;
            }
        }

        return matched;
    }

    /// <summary>OpenSSH host pattern match: <c>*</c> any run, <c>?</c> one character, case-insensitive.</summary>
    private static bool Glob(string pattern, string text)
    {
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || char.ToLowerInvariant(pattern[p]) == char.ToLowerInvariant(text[t])))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = t;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++mark;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}
