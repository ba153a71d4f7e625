using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace VgpuIac.NodeSim;

/// <summary>Writes small stand-ins for <c>NVIDIA-Linux-x86_64-&lt;ver&gt;-vgpu-kvm.run</c>: shell scripts that embed
/// the driver version and its supported kernel window and run the simulated installer of the node
/// (<c>/usr/lib/nodesim/driver-installer.sh</c>; behaviour in CONVENTIONS.md, "Host driver stack"). Upload one to a
/// <see cref="SimulatedNode"/> in place of the 400 MB package.</summary>
public static class FakeInstaller
{
    /// <summary>The real package's file name, e.g. <c>NVIDIA-Linux-x86_64-535.129.03-vgpu-kvm.run</c>.</summary>
    public static string FileName(string version, FakeInstallerOptions? options = null)
    {
        ValidateVersion(version);
        return $"NVIDIA-Linux-x86_64-{version}-{(options ?? new FakeInstallerOptions()).Flavor}.run";
    }

    /// <summary>Writes the installer and returns its path. <paramref name="path"/> is either an existing directory
    /// (the file gets <see cref="FileName"/> inside it) or the file to write.</summary>
    public static string Write(string path, string version, FakeInstallerOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new FakeInstallerOptions();
        var file = Directory.Exists(path) ? Path.Combine(path, FileName(version, options)) : path;
        File.WriteAllText(file, Content(version, options), new UTF8Encoding(false));
        File.SetUnixFileMode(file, PreseedFile.ExecutableMode);
        return file;
    }

    /// <summary>The script text <see cref="Write"/> writes (deterministic for the same inputs).</summary>
    public static string Content(string version, FakeInstallerOptions? options = null)
    {
        ValidateVersion(version);
        options ??= new FakeInstallerOptions();
        if (options.Flavor is not ("vgpu-kvm" or "vgpu-kvm-custom" or "vgpu-kvm-patched"))
        {
            throw new ArgumentException($"Unknown installer flavour '{options.Flavor}'", nameof(options));
        }

        var (min, max) = KernelRange(version, options.IsPatched);
        min = options.KernelMin ?? min;
        max = options.KernelMax ?? max;
        return $"""
            #!/bin/sh
            # {FileName(version, options)} -- simulated NVIDIA vGPU host driver installer (VgpuIac.NodeSim).
            # Not an NVIDIA package: it only works inside a simulated node, whose installer body it runs.
            # Supported kernels: {min} to {max} (major.minor).
            NV_VERSION='{version}'
            NV_KERNEL_MIN='{min}'
            NV_KERNEL_MAX='{max}'
            NV_FLAVOR='{options.Flavor}'
            NV_LOAD_NOW='{(options.LoadModulesNow ? "1" : "0")}'
            NV_RUN="$0"
            export NV_VERSION NV_KERNEL_MIN NV_KERNEL_MAX NV_FLAVOR NV_LOAD_NOW NV_RUN
            if [ ! -f /usr/lib/nodesim/driver-installer.sh ]; then
              echo "ERROR: this is a simulated NVIDIA installer; run it on a VgpuIac.NodeSim node." >&2
              exit 1
            fi
            exec /bin/bash /usr/lib/nodesim/driver-installer.sh "$@"

            """;
    }

    /// <summary>Lower-case hex SHA-256 of a file.</summary>
    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>The kernel window (<c>major.minor</c>, inclusive) the simulated build of <paramref name="version"/>
    /// accepts, from vgpu-domain.md §2.1/§2.2 (community-observed; the DKMS build is the judge on real hosts):
    /// <list type="bullet">
    /// <item>older than R525: 4.15–5.15; R525 (15.x): 4.15–6.2;</item>
    /// <item>R535 16.0–16.7 (&lt; 535.216.01): 4.15–6.5; 16.8+ (≥ 535.216.01): 4.15–6.8;</item>
    /// <item>R550 17.0–17.5 (&lt; 550.163.02): 5.4–6.8; 17.6+: 5.4–6.11;</item>
    /// <item>R570 (18.x): 5.4–6.14; R580 (19.x): 5.4–6.16 (6.17 needs 20.x); R590 and newer (20.x): 6.1–7.99;</item>
    /// <item>patched builds (<paramref name="patched"/>) of 16.x and 17.0–17.5 stop at 6.5 (<c>enable_apicv</c>
    /// export gone in 6.8; PVE 8.2+ users pin 6.5).</item>
    /// </list></summary>
    public static (string Min, string Max) KernelRange(string version, bool patched = false)
    {
        ValidateVersion(version);
        var parts = version.Split('.');
        var branch = int.Parse(parts[0], CultureInfo.InvariantCulture);
        var minor = int.Parse(parts[1], CultureInfo.InvariantCulture);
        if (patched && (branch == 535 || (branch == 550 && minor < 163)))
        {
            return ("4.15", "6.5");
        }

        return branch switch
        {
            < 525 => ("4.15", "5.15"),
            < 535 => ("4.15", "6.2"),
            < 550 => minor < 216 ? ("4.15", "6.5") : ("4.15", "6.8"),
            < 570 => minor < 163 ? ("5.4", "6.8") : ("5.4", "6.11"),
            < 580 => ("5.4", "6.14"),
            < 590 => ("5.4", "6.16"),
            _ => ("6.1", "7.99"),
        };
    }

    private static void ValidateVersion(string version)
    {
        ArgumentException.ThrowIfNullOrEmpty(version);
        var parts = version.Split('.');
        if (parts.Length is < 2 or > 3 || parts.Any(p => p.Length == 0 || !p.All(char.IsAsciiDigit)))
        {
            throw new ArgumentException($"'{version}' is not an NVIDIA driver version like 535.129.03", nameof(version));
        }
    }
}
