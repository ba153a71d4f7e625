using System.Globalization;

namespace VgpuIac.Engine.Guests;

/// <summary>
/// Host and guest drivers must come from the same vGPU software release (vgpu-domain.md §2.1). Where the catalogue
/// knows a release's pair it is checked exactly; otherwise the branch must match: a Linux guest driver has the host's
/// major version (R535 → 535.x), a Windows guest driver a major version of the branch's Windows numbering
/// (R535 → 536–539, R550 → 551–553, R570 → 572–573, R580 → 580–581) and two parts (537.70).
/// </summary>
internal static class DriverPairing
{
    /// <summary>vGPU release, host (vgpu-kvm) driver, Linux guest (grid) driver, Windows guest driver, from the community catalogues.</summary>
    private static readonly (string Release, string Host, string Guest, string WindowsGuest)[] Known =
    [
        ("14.4", "510.108.03", "510.108.03", "514.08"),
        ("15.4", "525.147.01", "525.147.05", "529.19"),
        ("16.2", "535.129.03", "535.129.03", "537.70"),
        ("16.4", "535.161.05", "535.161.07", "538.33"),
        ("16.9", "535.230.02", "535.230.02", "539.19"),
        ("16.10", "535.247.01", "535.247.01", "539.28"),
        ("17.0", "550.54.10", "550.54.14", "551.61"),
        ("18.0", "570.124.03", "570.124.06", "572.60"),
        ("18.1", "570.133.10", "570.133.07", "572.83"),
        ("19.0", "580.65.05", "580.65.06", "580.88"),
    ];

    public static bool SameRelease(string host, string guest) => SameRelease(host, guest, windowsGuest: false);

    public static bool SameRelease(string host, string guest, bool windowsGuest)
    {
        if (host == guest && !windowsGuest)
        {
            return true;
        }

        var known = Known.FirstOrDefault(k => k.Host == host);
        if (known.Release is not null)
        {
            return (windowsGuest ? known.WindowsGuest : known.Guest) == guest;
        }

        if (!windowsGuest)
        {
            return host.Split('.')[0] == guest.Split('.')[0];
        }

        // Windows driver versions have two parts (537.70); a three-part version is a Linux driver
        return guest.Split('.').Length == 2
            && int.TryParse(host.Split('.')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var branch)
            && int.TryParse(guest.Split('.')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var major)
            && major >= branch && major - branch < 10;
    }

    public static string Describe(string host) => Describe(host, windowsGuest: false);

    public static string Describe(string host, bool windowsGuest)
    {
        var k = Known.FirstOrDefault(x => x.Host == host);
        return k.Release is null
            ? $"branch R{host.Split('.')[0]}"
            : windowsGuest
                ? $"vGPU {k.Release}, whose Windows guest driver is {k.WindowsGuest}"
                : $"vGPU {k.Release}, whose Linux guest driver is {k.Guest}";
    }
}
