namespace VgpuIac.Engine.HostDriver;

/// <summary>Reads an nvidia-installer log (or its stderr) and says what went wrong and what to do.</summary>
public static class InstallerFailure
{
    /// <summary>A one-sentence cause and remedy for the first known failure in <paramref name="text"/>; null when none is recognised.</summary>
    public static string? Explain(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (Has(text, "Nouveau kernel driver is currently in use"))
        {
            return "nouveau is still loaded: blacklist it (done by this resource), run `update-initramfs -u` and reboot, then apply again.";
        }

        if (Has(text, "Unable to find the kernel source tree"))
        {
            return "the headers of the running kernel are missing: install `proxmox-headers-$(uname -r)` (this resource does it when the package is available), then apply again.";
        }

        if (Has(text, "Failed to install the kernel module through DKMS") || Has(text, "Bad return status for module build")
            || Has(text, "Building kernel modules") || Has(text, "nvidia kernel module was successfully built"))
        {
            return "the kernel module did not build for this kernel: pin a kernel the driver supports (`proxmox-boot-tool kernel pin <version>`), reboot and apply again, or use a driver release that supports this kernel.";
        }

        if (Has(text, "appears to already be loaded in your kernel"))
        {
            return "the old NVIDIA module is still loaded (in use by a VM or nvidia-vgpu-mgr): stop the VMs with a vGPU, reboot the node and apply again.";
        }

        if (Has(text, "module verification failed") || Has(text, "Key was rejected by service"))
        {
            return "Secure Boot rejected the unsigned module: enroll a MOK key and sign the modules, or turn Secure Boot off.";
        }

        return null;
    }

    /// <summary>The lines worth showing: ERROR/WARNING lines and the last lines of the text (at most 25).</summary>
    public static string RelevantLines(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Trim().Length > 0).ToList();
        var picked = lines.Where(l => l.Contains("ERROR", StringComparison.Ordinal) || l.Contains("Error", StringComparison.Ordinal)
                || l.Contains("WARNING", StringComparison.Ordinal) || l.Contains("error:", StringComparison.Ordinal))
            .Concat(lines.TakeLast(8))
            .Distinct(StringComparer.Ordinal)
            .Take(25);
        return string.Join('\n', picked);
    }

    private static bool Has(string text, string what) => text.Contains(what, StringComparison.OrdinalIgnoreCase);
}
