namespace VgpuIac.Engine.Guests;

/// <summary>
/// Host and guest drivers must come from the same vGPU software release (vgpu-domain.md §2.1). Where the catalogue
/// knows a release's pair it is checked exactly; otherwise the branch (major version) must match.
/// </summary>
public static class DriverPairing
{
    /// <summary>vGPU release, host (vgpu-kvm) driver, Linux guest (grid) driver, from the community catalogues.</summary>
    private static readonly (string Release, string Host, string Guest)[] Known =
    [
        ("14.4", "510.108.03", "510.108.03"),
        ("15.4", "525.147.01", "525.147.05"),
        ("16.2", "535.129.03", "535.129.03"),
        ("16.4", "535.161.05", "535.161.07"),
        ("16.9", "535.230.02", "535.230.02"),
        ("16.10", "535.247.01", "535.247.01"),
        ("17.0", "550.54.10", "550.54.14"),
        ("18.0", "570.124.03", "570.124.06"),
        ("18.1", "570.133.10", "570.133.07"),
        ("19.0", "580.65.05", "580.65.06"),
    ];

    public static bool SameRelease(string host, string guest)
    {
        if (host == guest)
        {
            return true;
        }

        var known = Known.FirstOrDefault(k => k.Host == host);
        if (known.Release is not null)
        {
            return known.Guest == guest;
        }

        return host.Split('.')[0] == guest.Split('.')[0];
    }

    public static string Describe(string host)
    {
        var k = Known.FirstOrDefault(x => x.Host == host);
        return k.Release is null
            ? $"branch R{host.Split('.')[0]}"
            : $"vGPU {k.Release}, whose Linux guest driver is {k.Guest}";
    }
}
