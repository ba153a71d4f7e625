using System.Text;

namespace VgpuIac.Engine.ProfileOverride;

/// <summary>The bytes of <c>profile_override.toml</c> as read from a node, decoded; keeps a byte-order mark if the file had one.</summary>
internal sealed record ProfileOverrideFile
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>False when the file does not exist.</summary>
    public required bool Exists { get; init; }

    public string Text { get; init; } = string.Empty;

    public bool ByteOrderMark { get; init; }

    /// <summary>Set when the bytes are not UTF-8 (TOML must be UTF-8).</summary>
    public string? EncodingError { get; init; }

    /// <summary>Owner and mode of the file on the node (null when missing or not read with them).</summary>
    public Remote.NodeFileMode? Mode { get; init; }

    public static ProfileOverrideFile Missing { get; } = new() { Exists = false };

    public static ProfileOverrideFile FromBytes(byte[]? bytes)
    {
        if (bytes is null)
        {
            return Missing;
        }

        var bom = bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF;
        try
        {
            return new ProfileOverrideFile { Exists = true, ByteOrderMark = bom, Text = StrictUtf8.GetString(bytes, bom ? 3 : 0, bytes.Length - (bom ? 3 : 0)) };
        }
        catch (DecoderFallbackException e)
        {
            return new ProfileOverrideFile { Exists = true, EncodingError = $"the file is not UTF-8 (byte {e.Index} of a bad sequence)" };
        }
    }

    public byte[] Encode(string text)
    {
        var body = StrictUtf8.GetBytes(text);
        return ByteOrderMark ? [0xEF, 0xBB, 0xBF, .. body] : body;
    }
}
