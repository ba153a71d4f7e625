using System.Globalization;
using System.Text.Json;
using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Guests;
using VgpuIac.Engine.Values;
using D = VgpuIac.Engine.Guests.GuestDefinition;

namespace VgpuIac.Engine.Licensing;

/// <summary>
/// Guest drivers of vGPU 18.x and newer with a FastAPI-DLS licence server: Linux R570+ (570.x is 18.x, 580.x 19.x, 595.x
/// 20.x) and Windows 572.x/573.x (18.x), 580.x/581.x (19.x), 596.x (20.x); the same major-version thresholds hold for both.
/// From 18.x on, the licensing client trusts only the NLS root certificates compiled into it and reads no certificate file
/// (nor, on Windows, the certificate store): <c>nvidia-gridd</c> on Linux, <c>nvxdapix.dll</c> of the display driver's
/// DriverStore folder (loaded by the NVDisplay.ContainerLocalSystem service) on Windows. So there is no place to install
/// the server's root certificate: FastAPI-DLS 2.x licenses such guests only when that binary was patched with
/// gridd-unlock-patcher (<c>gridd-unlock-patcher -g nvidia-gridd|nvxdapix.dll -c root.pem</c>, run on Linux), which
/// overwrites the built-in certificates with the PEM text of the server's root. VgpuIac does not patch NVIDIA binaries;
/// before it installs a token into such a guest it checks, read-only inside the guest, which server the token names and
/// whether the binary holds that server's root certificate, and refuses with what to do instead of installing a token that
/// cannot license. FastAPI-DLS 1.x does not license 18.x+ guests at all. A server that is not FastAPI-DLS (NVIDIA's own)
/// is left to the guest's licensing client.
/// </summary>
internal static partial class GriddTrust
{
    /// <summary>The first guest driver major version of vGPU 18.x (Linux R570; Windows drivers of 18.x are 572.x and 573.x).</summary>
    public const int FirstPatchedMajor = 570;

    /// <summary>
    /// Read-only, inside a Linux guest: args url port. Asks the server the token names for its root certificate
    /// (<c>/-/config/root-certificate</c>, FastAPI-DLS 2.x) or its configuration (<c>/-/config</c>, 1.x), without verifying TLS:
    /// the answer is only compared with nvidia-gridd's content, never trusted. Prints <c>server=2|1|other|unreachable</c>,
    /// <c>gridd=path</c> and, for 2.x, <c>patched=1|0</c> (nvidia-gridd holds the certificate's base64 lines, as the patcher writes them).
    /// </summary>
    public const string CheckScript = """
        url=$1; port=$2; t=$(mktemp -d) || exit 1; trap 'rm -rf "$t"' EXIT
        g=$(command -v nvidia-gridd 2>/dev/null || echo /usr/bin/nvidia-gridd); echo "gridd=$g"
        command -v curl >/dev/null 2>&1 || { echo "server=unknown"; echo "curl is not installed in the guest" >&2; exit 0; }
        code=$(curl -sk --max-time 10 -o "$t/root.pem" -w '%{http_code}' "https://$url:$port/-/config/root-certificate" 2>/dev/null)
        if [ "$code" = 200 ] && grep -q 'BEGIN CERTIFICATE' "$t/root.pem"; then
          echo server=2
          grep -v -e '-----' -e '^[[:space:]]*$' "$t/root.pem" | tr -d '\r' > "$t/lines"
          [ -s "$t/lines" ] && [ -f "$g" ] || { echo patched=0; exit 0; }
          while IFS= read -r l; do grep -qaF -e "$l" "$g" || { echo patched=0; exit 0; }; done < "$t/lines"
          echo patched=1; exit 0
        fi
        [ "$code" = 000 ] && { echo server=unreachable; exit 0; }
        code=$(curl -sk --max-time 10 -o "$t/config" -w '%{http_code}' "https://$url:$port/-/config" 2>/dev/null)
        if [ "$code" = 200 ] && grep -q 'DLS_URL' "$t/config"; then echo server=1; else echo server=other; fi
        """;

    /// <summary>True for a guest driver of vGPU 18.x or newer (570.x and later: Linux 570.x, Windows 572.x).</summary>
    public static bool NeedsPatchedGridd(string? driverVersion) => Major(driverVersion) >= FirstPatchedMajor;

    /// <summary>The vGPU release a guest driver major version belongs to, for messages (Linux 570 / Windows 572 → 18.x; 580 → 19.x).</summary>
    public static string Release(string driverVersion) => Major(driverVersion) switch
    {
        >= 595 => "20.x",
        >= 580 => "19.x",
        >= 570 => "18.x",
        _ => "17.x or older",
    };

    /// <summary>The server a client configuration token names (its first node URL and its auth port); null when it is not a token.</summary>
    public static (string Url, int Port)? TokenServer(string token)
    {
        var parts = (token ?? string.Empty).Trim().Split('.');
        if (parts.Length != 3)
        {
            return null;
        }

        try
        {
            var s = parts[1].Replace('-', '+').Replace('_', '/');
            s += (s.Length % 4) switch { 2 => "==", 3 => "=", _ => string.Empty };
            using var doc = JsonDocument.Parse(Convert.FromBase64String(s));
            var config = doc.RootElement.GetProperty("service_instance_configuration");
            var url = config.GetProperty("node_url_list")[0].GetProperty("url").GetString();
            var port = config.GetProperty("svc_port_set_list")[0].GetProperty("svc_port_map")[0].GetProperty("port").GetInt32();
            return url is { Length: > 0 } && UrlPattern().IsMatch(url) ? (url, port) : null;
        }
        catch (Exception e) when (e is FormatException or JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>
    /// Read-only, inside a Windows guest (PowerShell; stdin: the base64 lines of the server's root certificate, one a line):
    /// the folders of the active display drivers in the DriverStore (<c>Win32_VideoController.InstalledDisplayDrivers</c>),
    /// the <c>nvxdapix.dll</c> each holds, and for each one line <c>patched=1|0 PATH</c>: 1 when the DLL holds every line
    /// (as gridd-unlock-patcher writes the certificate). No line at all: no display driver with an nvxdapix.dll is active.
    /// Statements hold no <c>;</c> inside braces (the simulated guest's powershell.exe reads one statement per <c>;</c>).
    /// </summary>
    internal const string WindowsCheckScript =
        "$ErrorActionPreference = 'Stop'; " +
        "$lines = @([Console]::In.ReadToEnd() -split '\\s+' | Where-Object { $_ }); " +
        "$dirs = @(Get-CimInstance Win32_VideoController | ForEach-Object { $_.InstalledDisplayDrivers -split ',' } | Where-Object { $_ -like '*\\DriverStore\\FileRepository\\*' } | Split-Path -Parent | Sort-Object -Unique); " +
        "$dlls = @($dirs | ForEach-Object { Join-Path $_ 'nvxdapix.dll' } | Where-Object { Test-Path -LiteralPath $_ }); " +
        "$found = @{}; " +
        "$dlls | ForEach-Object { $found[$_] = [Text.Encoding]::ASCII.GetString([IO.File]::ReadAllBytes($_)) }; " +
        "foreach ($dll in $found.Keys) { 'patched=' + [int]($lines.Count -gt 0 -and @($lines | Where-Object { -not $found[$dll].Contains($_) }).Count -eq 0) + ' ' + $dll }";

    /// <summary>
    /// Before a token is installed into a Linux guest with <paramref name="driverVersion"/>: true when it can license there
    /// (or VgpuIac cannot tell); false with an error naming the guest, its driver branch, the server's version and what to do.
    /// </summary>
    public static async Task<bool> CheckAsync(IGuestChannel guest, GuestSpec spec, string? driverVersion, string token, DiagnosticBag diagnostics, CancellationToken ct)
    {
        if (!NeedsPatchedGridd(driverVersion) || TokenServer(token) is not { } server)
        {
            return true;
        }

        var port = server.Port.ToString(CultureInfo.InvariantCulture);
        var r = await guest.ExecAsync("sh", ["-c", CheckScript, "_", server.Url, port], TimeSpan.FromMinutes(1), mutating: false, ct).ConfigureAwait(false);
        var facts = r.Out.Split('\n').Select(l => l.Trim().Split('=', 2)).Where(p => p.Length == 2)
            .GroupBy(p => p[0], StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last()[1], StringComparer.Ordinal);
        string F(string k) => facts.TryGetValue(k, out var v) ? v : string.Empty;
        var trust = new Trust(F("server"), F("patched") == "1", F("gridd"), Windows: false);
        return Judge(trust, spec, null, driverVersion!, $"{server.Url}:{port}", diagnostics);
    }

    /// <summary>
    /// Before a token is installed into a Windows guest (through the agent) with <paramref name="driverVersion"/>: as
    /// <see cref="CheckAsync"/>, for the licensing library <c>nvxdapix.dll</c> of the active display driver. The server is
    /// asked with the guest's <c>curl.exe</c> (without verifying TLS: the answer is only compared with the DLL, never trusted).
    /// </summary>
    public static async Task<bool> CheckWindowsAsync(IGuestChannel guest, GuestSpec spec, string nodeName, string? driverVersion, string token, DiagnosticBag diagnostics, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(guest);
        if (!NeedsPatchedGridd(driverVersion) || TokenServer(token) is not { } server)
        {
            return true;
        }

        var port = server.Port.ToString(CultureInfo.InvariantCulture);
        async Task<(string Code, string Body)> Get(string path)
        {
            var r = await guest.ExecAsync("curl.exe", ["-sk", "--max-time", "10", "-w", "\\n%{http_code}", $"https://{server.Url}:{port}{path}"], TimeSpan.FromMinutes(1), mutating: false, ct).ConfigureAwait(false);
            var text = r.Out.Replace("\r", string.Empty, StringComparison.Ordinal).TrimEnd('\n');
            var cut = text.LastIndexOf('\n');
            return cut < 0 ? (text.Trim(), string.Empty) : (text[(cut + 1)..].Trim(), text[..cut]);
        }

        var (code, root) = await Get("/-/config/root-certificate").ConfigureAwait(false);
        Trust trust;
        if (code == "200" && root.Contains("BEGIN CERTIFICATE", StringComparison.Ordinal))
        {
            var lines = root.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith("-----", StringComparison.Ordinal));
            var r = await guest.ExecAsync("powershell.exe", [.. GuestScripts.PowerShell, WindowsCheckScript], TimeSpan.FromMinutes(2), mutating: false, ct,
                System.Text.Encoding.ASCII.GetBytes(string.Join('\n', lines) + "\n")).ConfigureAwait(false);
            var dlls = r.Out.Replace("\r", string.Empty, StringComparison.Ordinal).Split('\n')
                .Where(l => l.StartsWith("patched=", StringComparison.Ordinal) && l.Length > 10)
                .Select(l => (Patched: l[8] == '1', Path: l[10..].Trim())).ToList();
            if (r.ExitCode != 0 && dlls.Count == 0)
            {
                // PowerShell failed: VgpuIac cannot tell, the licensing client's log will say after the token is in
                return true;
            }

            var unpatched = dlls.Where(d => !d.Patched).Select(d => d.Path).ToList();
            trust = new Trust("2", dlls.Count > 0 && unpatched.Count == 0, string.Join(", ", unpatched.Count > 0 ? unpatched : dlls.Select(d => d.Path)), Windows: true);
        }
        else if (code is "000" or "")
        {
            trust = new Trust("unreachable", false, string.Empty, Windows: true);
        }
        else
        {
            var (configCode, config) = await Get("/-/config").ConfigureAwait(false);
            trust = new Trust(configCode == "200" && config.Contains("DLS_URL", StringComparison.Ordinal) ? "1" : "other", false, string.Empty, Windows: true);
        }

        return Judge(trust, spec, nodeName, driverVersion!, $"{server.Url}:{port}", diagnostics);
    }

    /// <summary>What a read-only check inside the guest found: the server's FastAPI-DLS version, whether the binary trusts it, which binary.</summary>
    private sealed record Trust(string Server, bool Patched, string Binary, bool Windows);

    private static bool Judge(Trust trust, GuestSpec spec, string? nodeName, string driverVersion, string where, DiagnosticBag diagnostics)
    {
        var on = nodeName is null ? string.Empty : $" on node \"{nodeName}\"";
        var who = $"Guest \"{spec.Name}\" (VM {spec.VmidText}{on}) has {(trust.Windows ? "Windows " : string.Empty)}guest driver {driverVersion} (vGPU {Release(driverVersion)})";
        var client = trust.Windows ? "nvxdapix.dll" : "nvidia-gridd";
        var advice = trust.Windows ? WindowsPatchAdvice(trust.Binary) : PatchAdvice(trust.Binary);
        if (trust.Server == "1")
        {
            diagnostics.Error("The licence server cannot license this guest driver",
                $"{who}; the licence server its token names ({where}) is FastAPI-DLS 1.x, which licenses guest drivers up to vGPU 17.x only. " +
                $"Run the licence server with a FastAPI-DLS 2.x image (vgpu_dls_license_server's default image), patch the guest's {client} " +
                "with that server's root certificate (see below), then apply again. The token was not installed.\n" + advice,
                AttributePath.Of(D.LicenseToken));
            return false;
        }

        if (trust.Server == "2" && !trust.Patched)
        {
            var binary = trust.Windows
                ? (trust.Binary.Length > 0
                    ? $"the licensing library of its active display driver ({trust.Binary}) must be patched with gridd-unlock-patcher to hold it, and it does not hold this server's"
                    : "the licensing library nvxdapix.dll must be patched with gridd-unlock-patcher to hold it, and no active NVIDIA display driver with an nvxdapix.dll was found in the guest's DriverStore")
                : $"{trust.Binary} must be patched with gridd-unlock-patcher to hold it, and it does not hold this server's";
            diagnostics.Error($"The guest's {client} does not trust the licence server",
                $"{who}; the licence server its token names ({where}) is FastAPI-DLS 2.x. From vGPU 18.x on, {client} trusts only the root " +
                $"certificates built into it and reads no certificate file{(trust.Windows ? " and not the Windows certificate store" : string.Empty)}, " +
                $"so there is no place to install the server's root certificate: {binary}. VgpuIac does not patch " +
                "NVIDIA binaries. The token was not installed; nothing in the guest was changed.\n" + advice,
                AttributePath.Of(D.LicenseToken));
            return false;
        }

        return true;
    }

    /// <summary>The plan's note for an 18.x+ guest that gets a token: the apply checks nvidia-gridd (Linux) or nvxdapix.dll (Windows) first.</summary>
    public static IEnumerable<Diagnostic> PlanNotes(Value config, Value? prior) => PlanNote(config, prior) is { } note ? [note] : [];

    private static Diagnostic? PlanNote(Value config, Value? prior)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config[D.LicenseToken].IsNull || !config[D.Name].IsKnown)
        {
            return null;
        }

        var spec = GuestSpec.From(config);
        var version = spec.DriverVersionFromName ?? prior?[D.GuestDriverVersion].StringOrNull;
        var changes = prior is null || !config[D.LicenseToken].Equals(prior[D.LicenseToken]) || !config[D.GuestDriverSha256].Equals(prior[D.GuestDriverSha256])
            || prior[D.LicenseStatus].StringOrNull?.StartsWith("Licensed", StringComparison.Ordinal) != true;
        if (!changes || !NeedsPatchedGridd(version))
        {
            return null;
        }

        var windows = config[D.Os].StringOrNull == "windows";
        var client = windows ? "nvxdapix.dll" : "nvidia-gridd";
        return Diagnostic.Warning($"vGPU 18.x+ guest: {client} is checked before the token is installed",
            $"Guest \"{spec.Name}\" gets {(windows ? "Windows " : string.Empty)}guest driver {version} (vGPU {Release(version!)}). With a FastAPI-DLS licence server such a driver licenses only when " +
            $"its {(windows ? "licensing library nvxdapix.dll" : "nvidia-gridd")} was patched with gridd-unlock-patcher to trust the server's root certificate (vgpu_dls_license_server's root_certificate_pem). " +
            "The apply checks that inside the guest before installing the token and stops, with what to do, when it is not so; FastAPI-DLS 1.x cannot license it at all.",
            AttributePath.Of(D.LicenseToken));
    }

    private static string PatchAdvice(string gridd)
    {
        var path = gridd.Length > 0 ? gridd : "$(command -v nvidia-gridd)";
        return "In the guest, with the server's root certificate (vgpu_dls_license_server's root_certificate_pem, also served at " +
            "https://<dls_url>:<dls_port>/-/config/root-certificate) saved as root.pem:\n" +
            $"  cp -p {path} {path}.orig\n" +
            $"  gridd-unlock-patcher -g {path} -c root.pem\n" +
            "gridd-unlock-patcher: https://git.collinwebdesigns.de/vgpu/gridd-unlock-patcher (its Linux release). " +
            "Patch again after every guest driver update and after key_generation changes the server's root certificate.";
    }

    private static string WindowsPatchAdvice(string dlls)
    {
        var path = dlls.Length > 0 ? dlls : @"C:\Windows\System32\DriverStore\FileRepository\nvgridsw.inf_amd64_*\nvxdapix.dll";
        return "gridd-unlock-patcher runs on Linux only (https://git.collinwebdesigns.de/vgpu/gridd-unlock-patcher, its Linux release). " +
            "With the server's root certificate (vgpu_dls_license_server's root_certificate_pem, also served at " +
            "https://<dls_url>:<dls_port>/-/config/root-certificate) saved as root.pem:\n" +
            $"  1. copy {path} out of the guest to the Linux machine (keep the original as a backup)\n" +
            "  2. gridd-unlock-patcher -g nvxdapix.dll -c root.pem\n" +
            "  3. copy the patched nvxdapix.dll into the guest and, as an administrator, run the patcher's windows-replace-nvxdapix.ps1, which " +
            "finds nvxdapix.dll in the DriverStore and replaces it (restart the guest if the NVIDIA Display Container LS service held the old one)\n" +
            "then apply again. Patch again after every guest driver update and after key_generation changes the server's root certificate; " +
            "some Windows driver builds cannot be patched (the patcher says \"Failed to find the hardcoded NLS certificates!\").";
    }

    private static int Major(string? version) =>
        version is not null && int.TryParse(version.Split('.')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var m) ? m : 0;

    [System.Text.RegularExpressions.GeneratedRegex(@"^[a-zA-Z0-9]([a-zA-Z0-9.:-]{0,251}[a-zA-Z0-9])?$", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex UrlPattern();
}
