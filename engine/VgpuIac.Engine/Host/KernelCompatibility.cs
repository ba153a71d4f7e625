using System.Collections.Immutable;

namespace VgpuIac.Engine.Host;

/// <summary>
/// The driver ↔ kernel table (vgpu-domain.md §2.1–2.2, community-observed; the DKMS build stays the final judge,
/// which is why the policy can be relaxed to <c>warn</c> or <c>off</c>). Rows are tried in order; the first that
/// covers the driver version and flavour decides.
/// </summary>
internal static class KernelCompatibility
{
    private const DriverFlavour Unlock = DriverFlavour.Unlock;

    public static ImmutableArray<KernelWindow> Windows { get; } =
    [
        // Patched (unlock) 16.x and 17.0–17.5 fail on kernel >= 6.8 (enable_apicv export removed): pin 6.5.
        new("16.x (patched)", "535.0", "535.999.99", Unlock, "4.15", "6.5", "wvthoog #6, anomixer"),
        new("17.0–17.5 (patched)", "550.0", "550.163.01", Unlock, "4.15", "6.5", "anomixer"),
        new("14.x and older", "400.0", "524.999.99", null, "4.15", "5.15", "anomixer catalog"),
        new("15.x", "525.0", "525.999.99", null, "4.15", "6.2", "anomixer catalog"),
        new("16.0–16.7", "535.0", "535.215.99", null, "4.15", "6.5", "brydenver2 README"),
        new("16.8+", "535.216.0", "535.999.99", null, "4.15", "6.8", "brydenver2 README (16.8+ supports 6.8; 16.9 fails on 6.14)"),
        new("17.0–17.5", "550.0", "550.163.01", null, "5.4", "6.8", "anomixer"),
        new("17.6+", "550.163.02", "550.999.99", null, "5.4", "6.11", "anomixer"),
        new("18.x", "570.0", "570.999.99", null, "5.4", "6.14", "anomixer"),
        new("19.x", "580.0", "589.999.99", null, "5.4", "6.16", "anomixer (6.17 needs 20.x)"),
        new("20.x", "590.0", "599.999.99", null, "6.1", null, "anomixer (kernel 7.x)"),
    ];

    /// <summary>The row that decides for this driver, or null when the table does not know the branch.</summary>
    public static KernelWindow? FindWindow(DriverVersion driver, DriverFlavour flavour) =>
        Windows.FirstOrDefault(w => w.Covers(driver, flavour));

    /// <summary>
    /// Checks the kernels a driver install depends on: the running kernel (the installer builds for it) and the
    /// default boot kernel (what runs after the reboot). Suggests the newest installed kernel inside the window to pin.
    /// </summary>
    public static KernelCheck Check(DriverVersion driver, DriverFlavour flavour, NodeFacts facts)
    {
        ArgumentNullException.ThrowIfNull(driver);
        ArgumentNullException.ThrowIfNull(facts);
        var window = FindWindow(driver, flavour);
        if (window is null)
        {
            return new KernelCheck(driver, flavour, null, [], null);
        }

        var kernels = new List<string>();
        if (!string.IsNullOrEmpty(facts.RunningKernel))
        {
            kernels.Add(facts.RunningKernel);
        }

        if (facts.DefaultKernel is { Length: > 0 } d && !kernels.Contains(d, StringComparer.Ordinal))
        {
            kernels.Add(d);
        }

        var outside = kernels
            .Where(k => KernelVersion.TryParse(k) is { } v && !window.Allows(v))
            .ToImmutableArray();
        var pin = facts.InstalledKernels
            .Select(KernelVersion.TryParse)
            .OfType<KernelVersion>()
            .Where(window.Allows)
            .OrderByDescending(k => k)
            .FirstOrDefault();
        return new KernelCheck(driver, flavour, window, outside, pin?.Text);
    }
}
