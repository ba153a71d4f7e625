using System.Globalization;
using System.Text.Json;
using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Guests;
using VgpuIac.Engine.Values;
using D = VgpuIac.Engine.Guests.GuestDefinition;

namespace VgpuIac.Engine.Licensing;

/// <summary>
/// Guest drivers of vGPU 18.x and newer (Linux R570+: 570.x is 18.x, 580.x 19.x) with a FastAPI-DLS licence server.
/// From 18.x on, <c>nvidia-gridd</c> trusts only the NLS root certificates compiled into it and reads no certificate file,
/// so there is no place to install the server's root certificate: FastAPI-DLS 2.x licenses such guests only when the
/// binary was patched with gridd-unlock-patcher (<c>gridd-unlock-patcher -g $(which nvidia-gridd) -c root.pem</c>), which
/// overwrites the built-in certificates with the PEM text of the server's root. VgpuIac does not patch NVIDIA binaries; before
/// it installs a token into such a guest it checks, read-only inside the guest, which server the token names and whether
/// nvidia-gridd holds that server's root certificate, and refuses with what to do instead of installing a token that
/// cannot license. FastAPI-DLS 1.x does not license 18.x+ guests at all. A server that is not FastAPI-DLS (NVIDIA's own)
/// is left to nvidia-gridd.
/// </summary>
internal static partial class GriddTrust
{
    /// <summary>The first Linux guest driver major version of vGPU 18.x (R570).</summary>
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

    /// <summary>True for a Linux guest driver of vGPU 18.x or newer (570.x and later).</summary>
    public static bool NeedsPatchedGridd(string? linuxDriverVersion) => Major(linuxDriverVersion) >= FirstPatchedMajor;

    /// <summary>The vGPU release a Linux guest driver major version belongs to, for messages (570 → 18.x).</summary>
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
        var who = $"Guest \"{spec.Name}\" (VM {spec.VmidText}) has guest driver {driverVersion} (vGPU {Release(driverVersion!)})";
        var where = $"{server.Url}:{port}";
        if (F("server") == "1")
        {
            diagnostics.Error("The licence server cannot license this guest driver",
                $"{who}; the licence server its token names ({where}) is FastAPI-DLS 1.x, which licenses guest drivers up to vGPU 17.x only. " +
                "Run the licence server with a FastAPI-DLS 2.x image (vgpu_dls_license_server's default image), patch the guest's nvidia-gridd " +
                "with that server's root certificate (see below), then apply again. The token was not installed.\n" + PatchAdvice(F("gridd")),
                AttributePath.Of(D.LicenseToken));
            return false;
        }

        if (F("server") == "2" && F("patched") != "1")
        {
            diagnostics.Error("The guest's nvidia-gridd does not trust the licence server",
                $"{who}; the licence server its token names ({where}) is FastAPI-DLS 2.x. From vGPU 18.x on, nvidia-gridd trusts only the root " +
                $"certificates built into it and reads no certificate file, so there is no place to install the server's root certificate: " +
                $"{F("gridd")} must be patched with gridd-unlock-patcher to hold it, and it does not hold this server's. VgpuIac does not patch " +
                "NVIDIA binaries. The token was not installed; nothing in the guest was changed.\n" + PatchAdvice(F("gridd")),
                AttributePath.Of(D.LicenseToken));
            return false;
        }

        return true;
    }

    /// <summary>The plan's note for an 18.x+ Linux guest that gets a token: the apply checks nvidia-gridd first.</summary>
    public static IEnumerable<Diagnostic> PlanNotes(Value config, Value? prior) => PlanNote(config, prior) is { } note ? [note] : [];

    private static Diagnostic? PlanNote(Value config, Value? prior)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config[D.LicenseToken].IsNull || config[D.Os].StringOrNull == "windows" || !config[D.Name].IsKnown)
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

        return Diagnostic.Warning("vGPU 18.x+ guest: nvidia-gridd is checked before the token is installed",
            $"Guest \"{spec.Name}\" gets guest driver {version} (vGPU {Release(version!)}). With a FastAPI-DLS licence server such a driver licenses only when " +
            "its nvidia-gridd was patched with gridd-unlock-patcher to trust the server's root certificate (vgpu_dls_license_server's root_certificate_pem). " +
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

    private static int Major(string? version) =>
        version is not null && int.TryParse(version.Split('.')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var m) ? m : 0;

    [System.Text.RegularExpressions.GeneratedRegex(@"^[a-zA-Z0-9]([a-zA-Z0-9.:-]{0,251}[a-zA-Z0-9])?$", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex UrlPattern();
}
