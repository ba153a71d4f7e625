using System.Collections.Immutable;
using System.Text;
using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Resources;
using D = VgpuIac.Engine.Guests.GuestDefinition;

namespace VgpuIac.Engine.Guests;

/// <summary>Inside a Linux guest (through the agent or over SSH): nouveau blacklisted, the GRID driver installed, the licence.</summary>
internal static class LinuxGuestSetup
{
    private const string DriverPathInGuest = "/root/nvidia-grid-driver.run";

    /// <summary>Linux guest setup through <paramref name="guest"/> (the agent or SSH): nouveau, the driver, the licence.</summary>
    public static async Task<bool> RunAsync(ResourceContext context, IGuestChannel guest, GuestSpec spec, DiagnosticBag diagnostics, CancellationToken ct)
    {
        if (!await guest.WaitReadyAsync(diagnostics, ct).ConfigureAwait(false))
        {
            return false;
        }

        var facts = (await guest.ReadAsync(ct).ConfigureAwait(false)).Guest ?? ImmutableDictionary<string, string>.Empty;
        string G(string k) => facts.TryGetValue(k, out var v) ? v : string.Empty;
        Task<(int ExitCode, string Out, string Err)> Run(string script, string[] args, TimeSpan timeout, bool mutating = true, ReadOnlyMemory<byte>? input = null) =>
            guest.ExecAsync("sh", ["-c", script, "_", .. args], timeout, mutating, ct, input);

        var wantedVersion = spec.DriverVersionFromName;
        var driverMissing = spec.WantsDriver && (G("driver_version").Length == 0 || (wantedVersion is not null && G("driver_version") != wantedVersion));
        if (driverMissing)
        {
            if (G("nouveau_blacklisted") != "1" || G("nouveau_loaded") == "1")
            {
                context.Log.Progress("vgpu_guest", "blacklisting nouveau in the guest and rebooting it");
                var bl = await Run(GuestScripts.BlacklistNouveau, [], TimeSpan.FromMinutes(5)).ConfigureAwait(false);
                if (bl.ExitCode != 0)
                {
                    diagnostics.Error("Unable to blacklist nouveau in the guest", $"The guest answered: {bl.Err.Trim()} {bl.Out.Trim()}", AttributePath.Of(D.GuestSetup));
                    return false;
                }

                if (!await guest.RebootAsync(diagnostics, ct).ConfigureAwait(false))
                {
                    return false;
                }
            }

            context.Log.Progress("vgpu_guest", "copying the guest driver installer");
            if (spec.DriverSource is not null)
            {
                var copyError = await guest.CopyIntoAsync(spec.DriverSource, spec.DriverSha256!, DriverPathInGuest, new Progress<double>(f => context.Log.Progress("vgpu_guest", "uploading the guest driver", f)), ct).ConfigureAwait(false);
                if (copyError is not null)
                {
                    diagnostics.Error("Unable to copy the guest driver into the guest", copyError, AttributePath.Of(D.GuestDriverSource));
                    return false;
                }
            }
            else
            {
                var dl = await Run(GuestScripts.DownloadDriver, [spec.DriverSha256!, DriverPathInGuest], TimeSpan.FromMinutes(30), input: System.Text.Encoding.UTF8.GetBytes(spec.DriverUrl! + "\n")).ConfigureAwait(false);
                if (dl.ExitCode != 0)
                {
                    diagnostics.Error("Unable to download the guest driver", dl.ExitCode == 21
                        ? $"The file at guest_driver_url does not match guest_driver_sha256 ({dl.Err.Trim()}). Nothing was installed."
                        : $"The guest could not download it: {dl.Err.Trim()}. The guest needs network access to that URL; or use guest_driver_source.", AttributePath.Of(dl.ExitCode == 21 ? D.GuestDriverSha256 : D.GuestDriverUrl));
                    return false;
                }
            }

            context.Log.Progress("vgpu_guest", "installing the guest driver");
            var install = await Run(GuestScripts.InstallDriver, [DriverPathInGuest, spec.DriverSha256!], TimeSpan.FromMinutes(30)).ConfigureAwait(false);
            if (install.ExitCode != 0)
            {
                var output = (install.Err + "\n" + install.Out).Trim();
                diagnostics.Error("Unable to install the guest driver", $"The installer failed (exit {install.ExitCode}): {Last(output, 12)}", AttributePath.Of(spec.DriverSource is null ? D.GuestDriverUrl : D.GuestDriverSource));
                return false;
            }
        }

        if (spec.LicenseToken is not null)
        {
            var tokenSha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(spec.LicenseToken)));
            var licensed = G("license_status").StartsWith("Licensed", StringComparison.Ordinal);
            if (G("token_sha256") != tokenSha || !licensed || driverMissing)
            {
                var driverNow = !driverMissing ? G("driver_version") : wantedVersion ?? (await guest.ReadAsync(ct).ConfigureAwait(false)).GuestValue("driver_version");
                if (!await Licensing.GriddTrust.CheckAsync(guest, spec, driverNow, spec.LicenseToken, diagnostics, ct).ConfigureAwait(false))
                {
                    return false;
                }

                context.Log.Progress("vgpu_guest", "installing the licence token and restarting nvidia-gridd");
                var r = await Run(GuestScripts.InstallToken, [], TimeSpan.FromMinutes(2), input: Encoding.UTF8.GetBytes(spec.LicenseToken)).ConfigureAwait(false);
                if (r.ExitCode != 0)
                {
                    diagnostics.Error("Unable to install the licence token", $"The guest answered ({guest.Name}): {(r.Err + " " + (r.ExitCode < 0 ? r.Out : string.Empty)).Trim()}. " +
                        (r.ExitCode == 31 ? "nvidia-gridd could not be restarted: is the GRID guest driver installed?" : string.Empty), AttributePath.Of(D.LicenseToken));
                    return false;
                }
            }

            var log = "nvidia-gridd said:";
            if (!await WaitForLicenceAsync(context, guest, spec, diagnostics, log, async () =>
                    (await Run(GuestScripts.LicenseLog, [], TimeSpan.FromMinutes(1), mutating: false).ConfigureAwait(false)).Out, ct).ConfigureAwait(false))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Polls the guest's licence status until it says Licensed; after license_wait_timeout, an error with the guest's own log lines.</summary>
    internal static async Task<bool> WaitForLicenceAsync(ResourceContext context, IGuestChannel guest, GuestSpec spec, DiagnosticBag diagnostics, string logIntro, Func<Task<string>> readLog, CancellationToken ct)
    {
        var deadline = context.Time.GetUtcNow() + spec.LicenseWait;
        while (true)
        {
            var status = (await guest.ReadAsync(ct).ConfigureAwait(false)).GuestValue("license_status") ?? string.Empty;
            if (status.StartsWith("Licensed", StringComparison.Ordinal))
            {
                return true;
            }

            if (context.Time.GetUtcNow() >= deadline)
            {
                var log = await readLog().ConfigureAwait(false);

                // the advice follows the latest failure: a log also holds older ones (e.g. "token not found" before the token came)
                var lastFailure = Parsing.Licensing.GridLogParser.Parse(log).Value.LastFailure;
                diagnostics.Error("The guest did not become licensed",
                    $"License Status is \"{(status.Length == 0 ? "unknown" : status)}\" after {spec.LicenseWait.TotalSeconds:F0} s. {LicenceAdvice(lastFailure)}\n{logIntro}\n{Last(log.Trim(), 8)}",
                    AttributePath.Of(D.LicenseToken));
                return false;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), context.Time, ct).ConfigureAwait(false);
        }
    }

    /// <summary>What to do, from the reason of gridd's latest failure (<see cref="Parsing.Licensing.GridLog.LastFailure"/>), never from systemd's lines.</summary>
    internal static string LicenceAdvice(Parsing.Licensing.GridLogEvent? lastFailure) => lastFailure?.Reason switch
    {
        Parsing.Licensing.GridFailureReason.BadClientToken => "The client token is not valid for this licence server (keys changed?): fetch a new token.",
        Parsing.Licensing.GridFailureReason.NoClientToken => "No client configuration token was found in the guest.",
        Parsing.Licensing.GridFailureReason.ClockSkew => "The guest's clock disagrees with the licence server's: fix the guest's time (NTP) and timezone.",
        Parsing.Licensing.GridFailureReason.ServerUnreachable => "The guest cannot reach the licence server named in the token: check dls_url/dls_port and the network between them.",
        Parsing.Licensing.GridFailureReason.ServerError => "The licence server refused the request (a token issued by another licence server, or no licence left): fetch a new token from this server and check its licences.",
        Parsing.Licensing.GridFailureReason.ConfigurationMissing => "nvidia-gridd's configuration lacks a setting it needs (FeatureType, ServerAddress): check /etc/nvidia/gridd.conf in the guest.",
        Parsing.Licensing.GridFailureReason.InvalidFeatureType => "The FeatureType in gridd.conf does not fit this vGPU type: check /etc/nvidia/gridd.conf in the guest.",
        _ => "Check the licence server's health and nvidia-gridd's log in the guest.",
    };

    internal static string Last(string text, int lines)
    {
        var all = text.Split('\n');
        return all.Length <= lines ? text : string.Join('\n', all[^lines..]);
    }}
