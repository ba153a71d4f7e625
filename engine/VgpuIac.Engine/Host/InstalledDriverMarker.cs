namespace VgpuIac.Engine.Host;

/// <summary>
/// What VgpuIac records on the node after a host driver install (<see cref="FilePath"/>, <c>key=value</c> lines):
/// versions alone cannot tell a patched installer from a stock one (vgpu-domain.md §2.5).
/// </summary>
internal sealed record InstalledDriverMarker(string Version, string? Sha256, string? FileName, bool Dkms)
{
    public const string FilePath = "/var/lib/vgpu-iac/host-driver.env";

    /// <summary>Parses the marker text; null when it has no version.</summary>
    public static InstalledDriverMarker? Parse(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        var values = text.Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#') && l.Contains('=', StringComparison.Ordinal))
            .Select(l => (Key: l[..l.IndexOf('=', StringComparison.Ordinal)], Value: l[(l.IndexOf('=', StringComparison.Ordinal) + 1)..]))
            .GroupBy(p => p.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);
        if (!values.TryGetValue("version", out var version) || version.Length == 0)
        {
            return null;
        }

        return new InstalledDriverMarker(
            version,
            values.GetValueOrDefault("sha256") is { Length: > 0 } s ? s : null,
            values.GetValueOrDefault("file") is { Length: > 0 } f ? f : null,
            !string.Equals(values.GetValueOrDefault("dkms"), "false", StringComparison.Ordinal));
    }

    /// <summary>The marker file content.</summary>
    public string Render() =>
        $"# written by VgpuIac (vgpu_host_driver); do not edit\nversion={Version}\nsha256={Sha256}\nfile={FileName}\ndkms={(Dkms ? "true" : "false")}\n";
}
