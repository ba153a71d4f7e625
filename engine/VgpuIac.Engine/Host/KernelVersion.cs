using System.Globalization;
using System.Text.RegularExpressions;

namespace VgpuIac.Engine.Host;

/// <summary>A Linux kernel release as Proxmox names it, e.g. <c>6.8.12-4-pve</c>; compares by numbers.</summary>
internal sealed partial record KernelVersion(int Major, int Minor, int Patch, int Abi, string Text) : IComparable<KernelVersion>
{
    /// <summary>The series, e.g. <c>6.8</c> (what <c>proxmox-kernel-6.8</c> tracks).</summary>
    public string Series => string.Create(CultureInfo.InvariantCulture, $"{Major}.{Minor}");

    /// <summary>Parses <c>6.8.12-4-pve</c>, <c>5.15.102-1-pve</c>, <c>6.5</c>, <c>7.0.14-14-pve</c>; null when it is not a kernel release.</summary>
    public static KernelVersion? TryParse(string? text)
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

        static int Num(Group g) => g.Success ? int.Parse(g.Value, CultureInfo.InvariantCulture) : 0;
        return new KernelVersion(Num(m.Groups["maj"]), Num(m.Groups["min"]), Num(m.Groups["patch"]), Num(m.Groups["abi"]), text.Trim());
    }

    public int CompareTo(KernelVersion? other)
    {
        if (other is null)
        {
            return 1;
        }

        var c = Major.CompareTo(other.Major);
        if (c == 0) { c = Minor.CompareTo(other.Minor); }
        if (c == 0) { c = Patch.CompareTo(other.Patch); }
        if (c == 0) { c = Abi.CompareTo(other.Abi); }
        return c;
    }

    /// <summary>Compares only major.minor with a series such as <c>6.5</c>.</summary>
    public int CompareSeries(int major, int minor) => Major != major ? Major.CompareTo(major) : Minor.CompareTo(minor);

    public override string ToString() => Text;

    [GeneratedRegex(@"^(?<maj>\d+)\.(?<min>\d+)(?:\.(?<patch>\d+))?(?:-(?<abi>\d+))?(?:-[A-Za-z0-9.+_-]+)?$")]
    private static partial Regex Pattern();
}
