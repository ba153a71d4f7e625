using System.Globalization;
using System.Text.RegularExpressions;

namespace VgpuIac.Engine.Host;

/// <summary>An NVIDIA driver version such as <c>535.129.03</c>; compares by numbers.</summary>
internal sealed partial record DriverVersion(int Major, int Minor, int Patch, string Text) : IComparable<DriverVersion>
{
    /// <summary>The branch name, e.g. <c>R535</c>.</summary>
    public string Branch => string.Create(CultureInfo.InvariantCulture, $"R{Major}");

    public static DriverVersion? TryParse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var m = Pattern().Match(text.Trim());
        if (!m.Success)
        {
            return null;
        }

        return new DriverVersion(
            int.Parse(m.Groups["maj"].Value, CultureInfo.InvariantCulture),
            int.Parse(m.Groups["min"].Value, CultureInfo.InvariantCulture),
            m.Groups["patch"].Success ? int.Parse(m.Groups["patch"].Value, CultureInfo.InvariantCulture) : 0,
            text.Trim());
    }

    /// <summary>The version in an installer file name, e.g. <c>NVIDIA-Linux-x86_64-535.129.03-vgpu-kvm-patched.run</c> → 535.129.03.</summary>
    public static DriverVersion? FromInstallerFileName(string? fileName)
    {
        if (string.IsNullOrEmpty(fileName))
        {
            return null;
        }

        var m = InstallerPattern().Match(fileName);
        return m.Success ? TryParse(m.Groups["ver"].Value) : null;
    }

    public int CompareTo(DriverVersion? other)
    {
        if (other is null)
        {
            return 1;
        }

        var c = Major.CompareTo(other.Major);
        if (c == 0) { c = Minor.CompareTo(other.Minor); }
        if (c == 0) { c = Patch.CompareTo(other.Patch); }
        return c;
    }

    public override string ToString() => Text;

    [GeneratedRegex(@"^(?<maj>\d{3})\.(?<min>\d{1,3})(?:\.(?<patch>\d{1,3}))?$")]
    private static partial Regex Pattern();

    [GeneratedRegex(@"NVIDIA-Linux-x86_64-(?<ver>\d{3}\.\d{1,3}(?:\.\d{1,3})?)-", RegexOptions.IgnoreCase)]
    private static partial Regex InstallerPattern();
}
