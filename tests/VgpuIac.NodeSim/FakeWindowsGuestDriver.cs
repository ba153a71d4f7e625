using System.Security.Cryptography;

namespace VgpuIac.NodeSim;

/// <summary>
/// Builds a small stand-in for NVIDIA's vGPU guest driver package for Windows
/// (<c>&lt;ver&gt;_grid_win10_win11_server2019_server2022_dch_64bit_international.exe</c>) for simulated Windows guests.
/// Like the real package run as <c>setup.exe</c>, it honours <c>-s</c> (silent), <c>-noreboot</c>/<c>-n</c> and
/// <c>-clean</c>; without <c>-s</c> it refuses (no desktop session through the guest agent). It needs a vGPU in the VM,
/// installs <c>C:\Windows\System32\nvidia-smi.exe</c>, the <c>NVDisplay.ContainerLocalSystem</c> service (automatic
/// start; its licensing part asks the licence server named in the client configuration token), the token folder and the
/// display driver's DriverStore folder <c>nvgridsw.inf_amd64_*</c> with the licensing library <c>nvxdapix.dll</c> (which,
/// from vGPU 18.x on, trusts only the NLS roots built into it: a test "patches" it by appending a server's root PEM).
/// The driver is active from the next boot; without <c>-noreboot</c> the guest restarts at once.
/// </summary>
public static class FakeWindowsGuestDriver
{
    public static string FileName(string version) => $"{version}_grid_win10_win11_server2019_server2022_dch_64bit_international.exe";

    /// <summary>Writes the installer to <paramref name="path"/> and returns its SHA-256 (hex). With
    /// <paramref name="sizeBytes"/> the file is padded to that size (see <see cref="Padded"/>).</summary>
    public static string Write(string path, string version, int sizeBytes = 0)
    {
        if (!System.Text.RegularExpressions.Regex.IsMatch(version, @"^[0-9]+\.[0-9]+$"))
        {
            throw new ArgumentException($"not a Windows driver version (e.g. 537.70): {version}", nameof(version));
        }

        File.WriteAllText(path, Padded(Script.Replace("@VERSION@", version, StringComparison.Ordinal), sizeBytes));
        return Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
    }

    /// <summary>A script padded to <paramref name="sizeBytes"/> with comment lines after its final <c>exit</c> (bash never
    /// reads them), standing in for a real package's payload.</summary>
    internal static string Padded(string script, int sizeBytes)
    {
        var sb = new System.Text.StringBuilder(script);
        if (sb.Length < sizeBytes)
        {
            sb.Append("\n# payload (padding)\n");
        }

        var line = 0;
        while (sb.Length < sizeBytes)
        {
            var text = $"# {line++:D8} {new string((char)('a' + (line % 26)), 86)}\n";
            sb.Append(text, 0, Math.Min(text.Length, sizeBytes - sb.Length));
        }

        return sb.ToString();
    }

    private const string Script = """
        #!/bin/bash
        # NVIDIA vGPU guest driver @VERSION@ for Windows (simulated: a stand-in for the grid_win10_win11 package)
        VER=@VERSION@
        . /usr/lib/nodesim/nodesim.sh; nodesim_shim "$@"
        . /usr/lib/nodesim/guest-windows.sh
        silent=0 noreboot=0 clean=0
        for a in "$@"; do case ${a,,} in -s|/s) silent=1;; -n|-noreboot|/noreboot) noreboot=1;; -clean|/clean) clean=1;; -noeula|-passive|-nofinish) ;; esac; done
        if [ $silent = 0 ]; then
          printf 'NVIDIA Installer cannot continue\nThe installer needs a desktop session: run it with -s for a silent installation.\n' | win_crlf >&2; exit 1
        fi
        [ -r /etc/nodesim/vgpu.env ] && . /etc/nodesim/vgpu.env
        if [ -z "${VGPU_NAME:-}" ]; then
          printf 'NVIDIA Installer cannot continue\nThis graphics driver could not find compatible graphics hardware.\n' | win_crlf >&2; exit 1
        fi
        nodesim_mutated
        win_service_stop NVDisplay.ContainerLocalSystem
        [ $clean = 1 ] && rm -rf /var/lib/nvidia-gridd
        nv='/c/Program Files/NVIDIA Corporation'
        mkdir -p "$WIN_TOKEN_DIR" "$nv/Display.NvContainer" "${WIN_LICENSING_LOG%/*}" "$WIN_SVC" /var/lib/nodesim/guest
        cp /usr/lib/nodesim/guest/windows/nvidia-smi.exe /c/Windows/System32/nvidia-smi.exe
        cp /usr/lib/nodesim/guest/windows/NVDisplay.Container.exe "$nv/Display.NvContainer/NVDisplay.Container.exe"
        printf "SVC_DISPLAY='NVIDIA Display Container LS'\nSTART=auto\nBINARY='%s'\n" "$nv/Display.NvContainer/NVDisplay.Container.exe" > "$WIN_SVC/NVDisplay.ContainerLocalSystem.env"
        # the display driver's DriverStore folder, with the licensing library nvxdapix.dll (NVIDIA's NLS roots built in)
        store="C:\\Windows\\System32\\DriverStore\\FileRepository\\nvgridsw.inf_amd64_$(printf %s "$VER" | sha256sum | cut -c1-16)"
        mkdir -p "$(win_path 'C:\Windows\System32\DriverStore\FileRepository')"; d=$(win_path "$store"); mkdir -p "$d"
        { printf 'MZ\220\0 nvxdapix.dll %s (simulated)\n-----BEGIN CERTIFICATE-----\n' "$VER"; printf 'NVIDIA NLS root %s' "$VER" | sha256sum | cut -c1-64; printf '%s\n' '-----END CERTIFICATE-----'; } > "$d/nvxdapix.dll"
        printf '%s\n' "$store" > /var/lib/nodesim/guest/display_driver_dir
        echo "$VER" > /var/lib/nodesim/guest/driver_version
        rm -f /run/nodesim/modules/nvidia; touch /var/lib/nodesim/guest/reboot_pending
        if [ $noreboot = 0 ]; then /opt/guestsim/bin/windows-halt; /opt/guestsim/bin/windows-boot; fi
        exit 0
        """;
}
