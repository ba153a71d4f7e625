using System.Globalization;
using System.Text.RegularExpressions;

namespace VgpuIac.Engine.Licensing;

/// <summary>
/// A FastAPI-DLS image reference and what VgpuIac derives from it: the major version (which configuration the server
/// reads) and whether it is pinned by digest.
/// </summary>
internal static partial class DlsImage
{
    /// <summary>
    /// <c>collinwebdesigns/fastapi-dls:2.0.3</c>, pinned by the digest of its multi-arch manifest list. The digest is the one
    /// recorded for 2.0.3 by kars85/proxmox-vgpu-installer (lib/licensing.sh); confirm it with
    /// <c>docker buildx imagetools inspect collinwebdesigns/fastapi-dls:2.0.3</c> when updating it.
    /// </summary>
    public const string Default = "collinwebdesigns/fastapi-dls@sha256:" + DefaultDigest;

    /// <summary>The tag <see cref="Default"/> was published as.</summary>
    public const string DefaultTag = "2.0.3";

    private const string DefaultDigest = "e5078363ef86548b41c998367dfa2641015c5b7ffb7b3db280332669f8b1b5f0";

    /// <summary>True when the reference names a digest (<c>name@sha256:…</c> or <c>name:tag@sha256:…</c>).</summary>
    public static bool IsDigestPinned(string image) => image.Contains("@sha256:", StringComparison.Ordinal);

    /// <summary>The tag of the reference, or null (digest only, or no tag).</summary>
    public static string? Tag(string image)
    {
        var name = IsDigestPinned(image) ? image[..image.IndexOf('@', StringComparison.Ordinal)] : image;
        var last = name[(name.LastIndexOf('/') + 1)..];
        var colon = last.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? null : last[(colon + 1)..];
    }

    /// <summary>
    /// The FastAPI-DLS major version the image runs: from its tag (<c>1.5.4</c> → 1), else 2 (the default image and any
    /// digest-only reference; a 1.x image must name its tag, e.g. <c>:1.5.4</c> or <c>:1.5.4@sha256:…</c>).
    /// </summary>
    public static int Major(string image) =>
        Tag(image) is { } tag && LeadingNumber().Match(tag) is { Success: true } m
            && int.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var major)
            ? major
            : 2;

    [GeneratedRegex(@"^v?([0-9]+)(\.|$)", RegexOptions.CultureInvariant)]
    private static partial Regex LeadingNumber();
}
