using System.Collections.Immutable;
using System.Text.RegularExpressions;

namespace VgpuIac.Engine.Parsing.Installer;

/// <summary>
/// Reads NVIDIA <c>.run</c> installer output or its log (with the DKMS text it carries: dkms' own
/// <c>Error! Bad return status for module build on kernel: K (arch)</c> and the installer's
/// <c>Failed to run `dkms build ...`</c>) and classifies the failure; <see cref="Advice"/> says what to do about it.
/// </summary>
internal static partial class NvidiaInstallerParser
{
    public static ParseResult<InstallerReport> Parse(string? text)
    {
        var notes = new ParseNotes();
        var errors = new List<string>();
        string? version = null, loadError = null, dkmsKernel = null, makeLog = null;
        var lines = TextLines.Split(text);
        var inError = false;
        foreach (var raw in lines)
        {
            var t = raw.Trim();
            if (t.StartsWith("installer version:", StringComparison.Ordinal))
            {
                version = t["installer version:".Length..].Trim();
            }

            if (t.StartsWith("-> Kernel module load error:", StringComparison.Ordinal))
            {
                loadError = t["-> Kernel module load error:".Length..].Trim();
            }

            if (DkmsBadStatus().Match(t) is { Success: true } bad)
            {
                dkmsKernel ??= bad.Groups["k"].Value;
            }

            if (MakeLog().Match(t) is { Success: true } log)
            {
                makeLog ??= log.Groups["log"].Value;
            }

            // the installer's "ERROR: ..." and dkms' own "Error! ..." (dkms prints it at the start of a line)
            var prefix = t.StartsWith("ERROR:", StringComparison.Ordinal) ? "ERROR:".Length
                : t.StartsWith("Error! ", StringComparison.Ordinal) && raw.Length > 0 && !char.IsWhiteSpace(raw[0]) ? "Error!".Length
                : -1;
            if (prefix > 0)
            {
                errors.Add(t[prefix..].Trim());
                inError = true;
                continue;
            }

            if (inError && raw.Length > 0 && char.IsWhiteSpace(raw[0]) && t.Length > 0)
            {
                errors[^1] += " " + t;
                continue;
            }

            inError = false;
        }

        var all = string.Join('\n', errors) + "\n" + (text ?? string.Empty);
        var failure = errors.Count == 0 && loadError is null ? InstallerFailureKind.None : Classify(all);
        string? module = null;
        foreach (var e in errors)
        {
            var q = e.IndexOf("module '", StringComparison.Ordinal);
            if (q >= 0)
            {
                var rest = e[(q + 8)..];
                var end = rest.IndexOf('\'', StringComparison.Ordinal);
                module = end > 0 ? rest[..end] : null;
                break;
            }
        }

        if (errors.Any(e => e.EndsWith('>')))
        {
            notes.Warn("an ERROR line was cut by a pager ('>')");
        }

        return notes.Result(new InstallerReport(failure, module, [.. errors], version, loadError, dkmsKernel, makeLog));
    }

    /// <summary>One sentence: the cause and what to do, for a classified failure; null for <see cref="InstallerFailureKind.None"/> and <see cref="InstallerFailureKind.Other"/>.</summary>
    public static string? Advice(InstallerReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        const string Pin = "pin a kernel the driver supports (`proxmox-boot-tool kernel pin <version>`), reboot and apply again, or use a driver release that supports this kernel.";
        return report.Failure switch
        {
            InstallerFailureKind.NouveauInUse =>
                "nouveau is still loaded: blacklist it (done by this resource), run `update-initramfs -u` and reboot, then apply again.",
            InstallerFailureKind.KernelHeadersMissing =>
                "the headers of the running kernel are missing: install `proxmox-headers-$(uname -r)` (this resource does it when the package is available), then apply again.",
            InstallerFailureKind.DkmsBuildFailed =>
                $"DKMS could not build the kernel module{(report.DkmsKernel is { } k ? $" for kernel {k}" : string.Empty)}" +
                $"{(report.DkmsMakeLog is { } log ? $" (the compiler's errors are in {log} on the node)" : string.Empty)}: " + Pin,
            InstallerFailureKind.DkmsMissing =>
                "the installer was run with `--dkms` but the `dkms` package is not installed: install it (`apt-get install dkms`; this resource installs it first when `dkms = true`) and apply again, or set `dkms = false`.",
            InstallerFailureKind.KernelModuleBuildFailed or InstallerFailureKind.UnsupportedKernel =>
                "the kernel module did not build for this kernel: " + Pin,
            InstallerFailureKind.ModuleAlreadyLoaded =>
                "the old NVIDIA module is still loaded (in use by a VM or nvidia-vgpu-mgr): stop the VMs with a vGPU, reboot the node and apply again.",
            InstallerFailureKind.ModuleSignatureRejected =>
                "Secure Boot rejected the unsigned module: enroll a MOK key and sign the modules, or turn Secure Boot off.",
            InstallerFailureKind.KernelModuleLoadFailed =>
                $"the module {report.Module ?? "built but"} did not load{(report.KernelModuleLoadError is { } e ? $" ({e})" : string.Empty)}: " +
                "read the kernel messages (`dmesg | grep NVRM`) on the node; a GPU this driver does not support, an IOMMU that is off or a " +
                "module of another driver release are the usual causes. Fix it, reboot and apply again.",
            _ => null,
        };
    }

    /// <summary>The lines worth showing in a diagnostic: ERROR/Error!/WARNING lines and the last lines of the text (at most 25).</summary>
    public static string RelevantLines(string? text)
    {
        var lines = TextLines.Split(text).Select(l => l.TrimEnd('\r')).Where(l => l.Trim().Length > 0).ToList();
        var picked = lines.Where(l => l.Contains("ERROR", StringComparison.Ordinal) || l.Contains("Error", StringComparison.Ordinal)
                || l.Contains("WARNING", StringComparison.Ordinal) || l.Contains("error:", StringComparison.Ordinal))
            .Concat(lines.TakeLast(8))
            .Distinct(StringComparer.Ordinal)
            .Take(25);
        return string.Join('\n', picked);
    }

    private static InstallerFailureKind Classify(string s)
    {
        bool Has(string x) => s.Contains(x, StringComparison.OrdinalIgnoreCase);
        if (Has("Nouveau kernel driver is currently in use"))
        {
            return InstallerFailureKind.NouveauInUse;
        }

        if (Has("appears to already be loaded"))
        {
            return InstallerFailureKind.ModuleAlreadyLoaded;
        }

        if (Has("Unable to find the kernel source tree") || Has("kernel headers") || Has("unable to determine the kernel source"))
        {
            return InstallerFailureKind.KernelHeadersMissing;
        }

        if (Has("module verification failed") || Has("Key was rejected by service") || Has("Required key not available"))
        {
            return InstallerFailureKind.ModuleSignatureRejected;
        }

        if (Has("Failed to find dkms on the system"))
        {
            return InstallerFailureKind.DkmsMissing;
        }

        if (Has("Bad return status for module build") || Has("Failed to install the kernel module through DKMS")
            || (Has("Failed to run `") && Has("dkms build")))
        {
            return InstallerFailureKind.DkmsBuildFailed;
        }

        if (Has("Unable to load the kernel module"))
        {
            return InstallerFailureKind.KernelModuleLoadFailed;
        }

        if (Has("not supported by this driver") || Has("unsupported kernel") || Has("Kernel version is too new") || Has("is not supported"))
        {
            return InstallerFailureKind.UnsupportedKernel;
        }

        if (Has("\"Building kernel modules\"") || Has("Unable to build the NVIDIA kernel module") || Has("was successfully built"))
        {
            return InstallerFailureKind.KernelModuleBuildFailed;
        }

        return InstallerFailureKind.Other;
    }

    [GeneratedRegex(@"Bad return status for module build on kernel: (?<k>\S+)")]
    private static partial Regex DkmsBadStatus();

    [GeneratedRegex(@"Consult (?<log>/\S+make\.log)")]
    private static partial Regex MakeLog();
}
