using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Remote;
using VgpuIac.Engine.Resources;

namespace VgpuIac.Engine.Guests;

/// <summary>
/// Guest setup inside a Windows VM through the QEMU guest agent: every step is one <c>qm guest exec VMID -- PROGRAM
/// ARGS...</c> with user input as separate arguments (PowerShell only runs fixed texts; the token and the installer
/// travel on stdin). Driver: the installer is staged in the guest (copied from the node, or downloaded with
/// <c>curl.exe</c>), its SHA-256 checked inside the guest with <c>certutil -hashfile</c>, run silently
/// (<c>-s -noreboot -clean</c>), deleted, and the guest restarted. Licence: the token is written next to its final name,
/// restricted to SYSTEM and Administrators with <c>icacls</c>, moved into place, the licensing service
/// (<c>NVDisplay.ContainerLocalSystem</c>) restarted with <c>net stop</c>/<c>net start</c>, and <c>nvidia-smi.exe -q</c>
/// polled until it says Licensed.
/// </summary>
internal static class WindowsGuestSetup
{
    private static readonly string[] InstallerFlags = ["-s", "-noreboot", "-clean"];

    public static async Task<bool> RunAsync(ResourceContext context, IRemoteShell shell, GuestSpec spec, DiagnosticBag diagnostics, CancellationToken ct)
    {
        if (!await GuestResource.WaitForAgentAsync(shell, spec, diagnostics, ct).ConfigureAwait(false))
        {
            return false;
        }

        // the agent says which OS it runs in: Windows programs in a Linux guest would only fail in confusing ways
        var osInfo = await shell.RunAsync(RemoteCommand.Of("qm", "guest", "cmd", spec.VmidText, "get-osinfo"), ct).ConfigureAwait(false);
        if (osInfo.Succeeded && GuestNodeState.ParseOsInfoId(osInfo.StandardOutput) is { } osId && osId != "mswindows")
        {
            diagnostics.Error("Unable to set up the Windows guest",
                $"The guest agent reports the operating system \"{osId}\", not Windows. Set os = \"linux\" for this VM (that replaces it), or install Windows in it.",
                AttributePath.Of("os"));
            return false;
        }

        var guest = (await GuestResource.ReadNodeAsync(shell, spec, ct).ConfigureAwait(false)).Guest ?? ImmutableDictionary<string, string>.Empty;
        string G(string k) => guest.TryGetValue(k, out var v) ? v : string.Empty;

        var wantedVersion = spec.DriverVersionFromName;
        var driverMissing = spec.WantsDriver && (G("driver_version").Length == 0 || (wantedVersion is not null && G("driver_version") != wantedVersion));
        if (driverMissing && !await InstallDriverAsync(context, shell, spec, diagnostics, ct).ConfigureAwait(false))
        {
            return false;
        }

        if (spec.LicenseToken is null)
        {
            return true;
        }

        var tokenSha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(spec.LicenseToken)));
        var licensed = G("license_status").StartsWith("Licensed", StringComparison.Ordinal);
        if ((G("token_sha256") != tokenSha || !licensed || driverMissing) && !await InstallTokenAsync(context, shell, spec, diagnostics, ct).ConfigureAwait(false))
        {
            return false;
        }

        return await GuestResource.WaitForLicenceAsync(context, new AgentGuestChannel(shell, spec), spec, diagnostics, $"The licensing log ({GuestScripts.WindowsLicensingLog}) says:", async () =>
        {
            var log = await ExecAsync(shell, spec, "cmd.exe", ["/d", "/c", "type", GuestScripts.WindowsLicensingLog], TimeSpan.FromMinutes(1), mutating: false, ct).ConfigureAwait(false);
            return log.ExitCode == 0 ? log.Out : $"(no licensing log: {log.Err.Trim()})";
        }, ct).ConfigureAwait(false);
    }

    private static async Task<bool> InstallDriverAsync(ResourceContext context, IRemoteShell shell, GuestSpec spec, DiagnosticBag diagnostics, CancellationToken ct)
    {
        var installerAttribute = AttributePath.Of(spec.DriverSource is null ? "guest_driver_url" : "guest_driver_source");
        if (spec.DriverSource is not null)
        {
            context.Log.Progress("vgpu_guest", "copying the Windows guest driver installer");
            var cache = $"/var/lib/vgpuiac/cache/{spec.DriverSha256}.exe";
            await shell.UploadAsync(spec.DriverSource, cache, spec.DriverSha256!, new Progress<double>(f => context.Log.Progress("vgpu_guest", "uploading the guest driver", f)), ct).ConfigureAwait(false);
            var copy = await shell.RunAsync(RemoteCommand.Script(GuestScripts.CopyIntoWindowsGuest, spec.VmidText, cache, GuestScripts.WindowsStageInstaller, GuestScripts.WindowsAppendInstaller)
                .AsMutating().WithTimeout(TimeSpan.FromMinutes(31)), ct).ConfigureAwait(false);
            var parsed = GuestNodeState.ParseExecJson(copy.StandardOutput);
            if (!copy.Succeeded || parsed is not { ExitCode: 0 })
            {
                diagnostics.Error("Unable to copy the guest driver into the guest", $"The guest agent answered: {(copy.StandardError + " " + parsed?.Err).Trim()}", installerAttribute);
                return false;
            }
        }
        else
        {
            context.Log.Progress("vgpu_guest", "downloading the Windows guest driver installer in the guest");
            var dl = await ExecAsync(shell, spec, "curl.exe", ["-fsSL", "--proto", "=https,http", "--create-dirs", "-o", GuestScripts.WindowsDriverPath, spec.DriverUrl!], TimeSpan.FromMinutes(30), mutating: true, ct).ConfigureAwait(false);
            if (dl.ExitCode != 0)
            {
                diagnostics.Error("Unable to download the guest driver",
                    $"The guest could not download it (curl.exe exit {dl.ExitCode}): {(dl.Err + " " + dl.Out).Trim()}. The guest needs network access to that URL; or use guest_driver_source.", installerAttribute);
                return false;
            }
        }

        var hash = await ExecAsync(shell, spec, "certutil.exe", ["-hashfile", GuestScripts.WindowsDriverPath, "SHA256"], TimeSpan.FromMinutes(5), mutating: false, ct).ConfigureAwait(false);
        var got = hash.ExitCode == 0 ? GuestNodeState.ParseCertutilSha256(hash.Out) : null;
        if (got != spec.DriverSha256)
        {
            await DeleteInstallerAsync(shell, spec, ct).ConfigureAwait(false);
            diagnostics.Error("Unable to install the guest driver", got is null
                ? $"certutil could not hash the installer in the guest: {(hash.Err + " " + hash.Out).Trim()}"
                : $"The installer in the guest does not match guest_driver_sha256 (certutil says {got}). Nothing was installed.",
                AttributePath.Of(spec.DriverSource is null ? "guest_driver_sha256" : "guest_driver_source"));
            return false;
        }

        context.Log.Progress("vgpu_guest", "installing the Windows guest driver (silent)");
        var install = await ExecAsync(shell, spec, GuestScripts.WindowsDriverPath, InstallerFlags, TimeSpan.FromMinutes(30), mutating: true, ct).ConfigureAwait(false);
        await DeleteInstallerAsync(shell, spec, ct).ConfigureAwait(false);
        if (install.ExitCode != 0)
        {
            var output = (install.Err + "\n" + install.Out).Trim();
            diagnostics.Error("Unable to install the guest driver",
                $"The installer failed (exit {install.ExitCode.ToString(CultureInfo.InvariantCulture)}): {GuestResource.Last(output, 12)}", installerAttribute);
            return false;
        }

        context.Log.Progress("vgpu_guest", "restarting the Windows guest to load the driver");
        var reboot = await shell.RunAsync(RemoteCommand.Of("qm", "reboot", spec.VmidText).AsMutating().WithTimeout(TimeSpan.FromMinutes(10)), ct).ConfigureAwait(false);
        if (!reboot.Succeeded)
        {
            diagnostics.Error("Unable to reboot the guest", $"qm reboot answered: {reboot.StandardError.Trim()}");
            return false;
        }

        return await GuestResource.WaitForAgentAsync(shell, spec, diagnostics, ct).ConfigureAwait(false);
    }

    private static async Task<bool> InstallTokenAsync(ResourceContext context, IRemoteShell shell, GuestSpec spec, DiagnosticBag diagnostics, CancellationToken ct)
    {
        context.Log.Progress("vgpu_guest", $"installing the licence token and restarting {GuestScripts.WindowsLicensingService}");
        var tokenAttribute = AttributePath.Of("license_token");
        var write = await shell.RunAsync(Command(spec, "powershell.exe", [.. GuestScripts.PowerShell, GuestScripts.WindowsWriteToken], TimeSpan.FromMinutes(2), passStdin: true)
            .WithInput(Encoding.UTF8.GetBytes(spec.LicenseToken!), sensitive: true).AsMutating().WithTimeout(TimeSpan.FromMinutes(3)), ct).ConfigureAwait(false);
        var written = GuestNodeState.ParseExecJson(write.StandardOutput);
        if (!write.Succeeded || written is not { ExitCode: 0 })
        {
            diagnostics.Error("Unable to install the licence token", $"The guest answered: {(write.StandardError + " " + written?.Err).Trim()}", tokenAttribute);
            return false;
        }

        var acl = await ExecAsync(shell, spec, "icacls.exe", [GuestScripts.WindowsTokenPath + ".new", .. GuestScripts.WindowsTokenAcl], TimeSpan.FromMinutes(1), mutating: true, ct).ConfigureAwait(false);
        if (acl.ExitCode != 0)
        {
            await ExecAsync(shell, spec, "cmd.exe", ["/d", "/c", "del", "/f", "/q", GuestScripts.WindowsTokenPath + ".new"], TimeSpan.FromMinutes(1), mutating: true, ct).ConfigureAwait(false);
            diagnostics.Error("Unable to install the licence token", $"icacls could not restrict the token to SYSTEM and Administrators: {(acl.Out + " " + acl.Err).Trim()}", tokenAttribute);
            return false;
        }

        var place = await ExecAsync(shell, spec, "powershell.exe", [.. GuestScripts.PowerShell, GuestScripts.WindowsPlaceToken], TimeSpan.FromMinutes(1), mutating: true, ct).ConfigureAwait(false);
        if (place.ExitCode != 0)
        {
            diagnostics.Error("Unable to install the licence token", $"The guest answered: {(place.Err + " " + place.Out).Trim()}", tokenAttribute);
            return false;
        }

        // "not started" is fine: the service may be stopped already
        await ExecAsync(shell, spec, "net.exe", ["stop", GuestScripts.WindowsLicensingService], TimeSpan.FromMinutes(2), mutating: true, ct).ConfigureAwait(false);
        var start = await ExecAsync(shell, spec, "net.exe", ["start", GuestScripts.WindowsLicensingService], TimeSpan.FromMinutes(2), mutating: true, ct).ConfigureAwait(false);
        if (start.ExitCode != 0)
        {
            diagnostics.Error("Unable to install the licence token",
                $"The token is in place, but {GuestScripts.WindowsLicensingService} could not be started: {(start.Err + " " + start.Out).Trim()} Is the GRID guest driver installed (guest_driver_source or guest_driver_url)?",
                tokenAttribute);
            return false;
        }

        return true;
    }

    private static Task DeleteInstallerAsync(IRemoteShell shell, GuestSpec spec, CancellationToken ct) =>
        ExecAsync(shell, spec, "cmd.exe", ["/d", "/c", "del", "/f", "/q", GuestScripts.WindowsDriverPath], TimeSpan.FromMinutes(1), mutating: true, ct);

    private static RemoteCommand Command(GuestSpec spec, string program, string[] args, TimeSpan timeout, bool passStdin = false) =>
        AgentGuestChannel.Command(spec, program, args, timeout, passStdin);

    private static Task<(int ExitCode, string Out, string Err)> ExecAsync(IRemoteShell shell, GuestSpec spec, string program, string[] args, TimeSpan timeout, bool mutating, CancellationToken ct) =>
        new AgentGuestChannel(shell, spec).ExecAsync(program, args, timeout, mutating, ct);
}
