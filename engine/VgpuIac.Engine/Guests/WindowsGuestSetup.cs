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
/// <c>curl.exe</c>, the URL in its config on stdin), its SHA-256 checked inside the guest with <c>certutil -hashfile</c>, run silently
/// (<c>-s -noreboot -clean</c>), deleted, and the guest restarted. Licence: the token is written next to its final name,
/// restricted to SYSTEM and Administrators with <c>icacls</c>, moved into place, the licensing service
/// (<c>NVDisplay.ContainerLocalSystem</c>) restarted with <c>net stop</c>/<c>net start</c>, and <c>nvidia-smi.exe -q</c>
/// polled until it says Licensed. A vGPU 18.x+ driver (572.x and later) gets a token only when its nvxdapix.dll trusts the
/// FastAPI-DLS server the token names (<see cref="Licensing.GriddTrust.CheckWindowsAsync"/>, read-only, checked first).
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
        if (G("token_sha256") != tokenSha || !licensed || driverMissing)
        {
            // vGPU 18.x+ with FastAPI-DLS: a token goes in only when the driver's nvxdapix.dll trusts the server (read-only check first)
            var driverNow = !driverMissing ? G("driver_version") : wantedVersion ?? (await GuestResource.ReadNodeAsync(shell, spec, ct).ConfigureAwait(false)).GuestValue("driver_version");
            if (!await Licensing.GriddTrust.CheckWindowsAsync(new AgentGuestChannel(shell, spec), spec, shell.NodeName, driverNow, spec.LicenseToken, diagnostics, ct).ConfigureAwait(false)
                || !await InstallTokenAsync(context, shell, spec, diagnostics, ct).ConfigureAwait(false))
            {
                return false;
            }
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

        // a fresh folder that only SYSTEM and Administrators can write, made before anything is written into it
        var stage = await ExecAsync(shell, spec, "powershell.exe", [.. GuestScripts.PowerShell, PrepareStage], TimeSpan.FromMinutes(2), mutating: true, ct).ConfigureAwait(false);
        if (stage.ExitCode != 0)
        {
            diagnostics.Error("Unable to stage the guest driver", StageRefused(stage.Err, stage.Out) is { } refused
                ? $"{refused} VgpuIac stages the installer only in a folder it made itself, that only SYSTEM and Administrators can write. "
                    + $"Check what {StageDirectory} holds, delete it as an administrator of the guest, then apply again."
                : $"The guest could not make {StageDirectory}: {(stage.Err + " " + stage.Out).Trim()}", installerAttribute);
            return false;
        }

        if (spec.DriverSource is not null)
        {
            context.Log.Progress("vgpu_guest", "copying the Windows guest driver installer");
            var cache = $"/var/lib/vgpuiac/cache/{spec.DriverSha256}.exe";
            await shell.UploadAsync(spec.DriverSource, cache, spec.DriverSha256!, new Progress<double>(f => context.Log.Progress("vgpu_guest", "uploading the guest driver", f)), ct).ConfigureAwait(false);
            var copy = await shell.RunAsync(RemoteCommand.Script(GuestScripts.CopyIntoWindowsGuest, spec.VmidText, cache, WriteStagedInstaller, GuestScripts.WindowsAppendInstaller)
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
            // the URL travels in curl's config on stdin (`--config -`), never as an argument: a presigned URL's token would
            // show in the argument list of qm on the node and of curl.exe in the guest, to anybody who lists processes
            var dl = await new AgentGuestChannel(shell, spec).ExecAsync("curl.exe", DownloadArguments, TimeSpan.FromMinutes(30), mutating: true, ct,
                CurlConfig(spec.DriverUrl!)).ConfigureAwait(false);
            if (dl.ExitCode != 0)
            {
                diagnostics.Error("Unable to download the guest driver",
                    $"The guest could not download it (curl.exe exit {dl.ExitCode}): {(dl.Err + " " + dl.Out).Trim()}. The guest needs network access to that URL; or use guest_driver_source.", installerAttribute);
                return false;
            }
        }

        // checked and run in one agent call: nothing can change the file between the check and the run
        context.Log.Progress("vgpu_guest", "checking and installing the Windows guest driver (silent)");
        var install = await new AgentGuestChannel(shell, spec).ExecAsync("powershell.exe", [.. GuestScripts.PowerShell, CheckAndRunInstaller], TimeSpan.FromMinutes(35), mutating: true, ct,
            Encoding.ASCII.GetBytes(spec.DriverSha256 + "\n")).ConfigureAwait(false);
        await DeleteInstallerAsync(shell, spec, ct).ConfigureAwait(false);
        if (install.ExitCode != 0)
        {
            var output = (install.Err + "\n" + install.Out).Trim();
            if (Marker(output, StageRefusedMarker) is { } refused)
            {
                diagnostics.Error("Unable to install the guest driver", $"{refused} Nothing was run. Check what {StageDirectory} holds, delete it as an administrator of the guest, then apply again.", installerAttribute);
            }
            else if (Marker(output, HashFailedMarker) is { } hashFailed)
            {
                diagnostics.Error("Unable to install the guest driver", $"certutil could not hash the installer in the guest: {hashFailed}", AttributePath.Of(spec.DriverSource is null ? "guest_driver_sha256" : "guest_driver_source"));
            }
            else if (Marker(output, HashMismatchMarker) is { } got)
            {
                diagnostics.Error("Unable to install the guest driver",
                    $"The installer in the guest does not match guest_driver_sha256 (certutil says {got}). Nothing was installed.",
                    AttributePath.Of(spec.DriverSource is null ? "guest_driver_sha256" : "guest_driver_source"));
            }
            else
            {
                diagnostics.Error("Unable to install the guest driver",
                    $"The installer failed (exit {install.ExitCode.ToString(CultureInfo.InvariantCulture)}): {GuestResource.Last(output, 12)}", installerAttribute);
            }

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
        // the .new file is created restricted to SYSTEM and Administrators: it is never readable by Users, not even for a moment
        var write = await shell.RunAsync(Command(spec, "powershell.exe", [.. GuestScripts.PowerShell, WriteRestrictedToken], TimeSpan.FromMinutes(2), passStdin: true)
            .WithInput(Encoding.UTF8.GetBytes(spec.LicenseToken!), sensitive: true).AsMutating().WithTimeout(TimeSpan.FromMinutes(3)), ct).ConfigureAwait(false);
        var written = GuestNodeState.ParseExecJson(write.StandardOutput);
        if (!write.Succeeded || written is not { ExitCode: 0 })
        {
            diagnostics.Error("Unable to install the licence token", $"The guest answered: {(write.StandardError + " " + written?.Err).Trim()}", tokenAttribute);
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

    /// <summary>The guest folder the driver installer is staged in (and nothing else).</summary>
    internal const string StageDirectory = @"C:\Windows\Temp\vgpuiac";

    private const string StageRefusedMarker = "vgpuiac-stage-refused:";
    private const string HashFailedMarker = "vgpuiac-hash-failed:";
    private const string HashMismatchMarker = "vgpuiac-sha256-mismatch:";

    // PowerShell statements shared by the scripts below (fixed texts; SIDs, so they do not depend on the Windows language)
    private const string Admins = "$admins = 'S-1-5-18', 'S-1-5-32-544'";
    private const string OwnerSid = ".GetOwner([Security.Principal.SecurityIdentifier]).Value";
    private const string OthersMayWrite =
        "$got" + OwnerSid + " -notin $admins -or -not $got.AreAccessRulesProtected -or " +
        "@($got.GetAccessRules($true, $true, [Security.Principal.SecurityIdentifier]) | Where-Object { $_.IdentityReference.Value -notin $admins }).Count -gt 0";
    private const string AdminRules =
        "foreach ($sid in $admins) { $acl.AddAccessRule((New-Object Security.AccessControl.FileSystemAccessRule((New-Object Security.Principal.SecurityIdentifier($sid)), 'FullControl', ";

    /// <summary>
    /// Inside a Windows guest (PowerShell, no input): <see cref="StageDirectory"/> made fresh with an ACL that lets only
    /// SYSTEM and Administrators in (set at creation, not inherited from C:\Windows\Temp, where every user may create
    /// folders). A folder already there that SYSTEM or Administrators own is a leftover of ours and is removed first
    /// (<c>Directory.Delete</c> does not follow junctions); one owned by anybody else is refused. The result is checked:
    /// a folder someone else made between the removal and the creation is refused too.
    /// </summary>
    internal const string PrepareStage =
        "$ErrorActionPreference = 'Stop'; " + Admins + "; $dir = '" + StageDirectory + "'; " +
        "if (Test-Path -LiteralPath $dir) { if ((Get-Acl -LiteralPath $dir)" + OwnerSid + " -notin $admins) { throw \"" + StageRefusedMarker + " $dir already exists and is not owned by SYSTEM or Administrators.\" } else { [IO.Directory]::Delete($dir, $true) } }; " +
        "$acl = New-Object Security.AccessControl.DirectorySecurity; $acl.SetAccessRuleProtection($true, $false); " +
        AdminRules + "'ContainerInherit, ObjectInherit', 'None', 'Allow'))) }; " +
        "[IO.Directory]::CreateDirectory($dir, $acl) | Out-Null; $got = Get-Acl -LiteralPath $dir; " +
        "if (" + OthersMayWrite + " -or @(Get-ChildItem -Force -LiteralPath $dir).Count -gt 0) { throw \"" + StageRefusedMarker + " $dir is not a fresh folder that only SYSTEM and Administrators can write.\" }";

    /// <summary>Inside a Windows guest (PowerShell): stdin into the installer in the (already made) stage folder.</summary>
    internal const string WriteStagedInstaller =
        "$ErrorActionPreference = 'Stop'; $in = [Console]::OpenStandardInput(); $out = [IO.File]::Create('" + GuestScripts.WindowsDriverPath + "'); $in.CopyTo($out); $out.Close()";

    /// <summary>
    /// Inside a Windows guest (PowerShell; stdin: the expected SHA-256, one line): the stage folder is still ours alone,
    /// the installer's SHA-256 (certutil) is the expected one, and the installer runs silently; all in one call, so that
    /// nothing can swap the file between the check and the run. Failures are thrown with a marker the engine reads.
    /// </summary>
    internal const string CheckAndRunInstaller =
        "$ErrorActionPreference = 'Stop'; " + Admins + "; $dir = '" + StageDirectory + "'; $file = '" + GuestScripts.WindowsDriverPath + "'; " +
        "$want = [Console]::In.ReadLine(); $got = Get-Acl -LiteralPath $dir; " +
        "if (" + OthersMayWrite + ") { throw \"" + StageRefusedMarker + " $dir can be written by others than SYSTEM and Administrators.\" }; " +
        "$hash = certutil.exe -hashfile $file SHA256; " +
        "if ($LASTEXITCODE -ne 0) { throw \"" + HashFailedMarker + " $hash\" }; " +
        "$sha = ($hash[1] -replace ' ', '').ToLowerInvariant(); " +
        "if ($sha -ne $want) { throw \"" + HashMismatchMarker + " $sha\" }; " +
        "$p = Start-Process -FilePath $file -ArgumentList '-s', '-noreboot', '-clean' -Wait -PassThru -NoNewWindow; exit $p.ExitCode";

    /// <summary>
    /// Inside a Windows guest (PowerShell; stdin: the token): <see cref="GuestScripts.WindowsTokenPath"/>.new created with an
    /// ACL that lets only SYSTEM and Administrators in (an old .new is deleted first: an existing file would keep its ACL).
    /// </summary>
    internal const string WriteRestrictedToken =
        "$ErrorActionPreference = 'Stop'; " + Admins + "; " +
        "New-Item -ItemType Directory -Force -Path 'C:\\Program Files\\NVIDIA Corporation\\vGPU Licensing\\ClientConfigToken' | Out-Null; " +
        "[IO.File]::Delete('" + GuestScripts.WindowsTokenPath + ".new'); " +
        "$acl = New-Object Security.AccessControl.FileSecurity; $acl.SetAccessRuleProtection($true, $false); " +
        AdminRules + "'Allow'))) }; " +
        "$in = [Console]::OpenStandardInput(); $out = [IO.File]::Create('" + GuestScripts.WindowsTokenPath + ".new', 4096, 'None', $acl); $in.CopyTo($out); $out.Close()";

    /// <summary><c>curl.exe</c>'s arguments for the driver download: no URL (that comes from <see cref="CurlConfig"/> on stdin).</summary>
    internal static readonly string[] DownloadArguments = ["-fsSL", "--proto", "=https,http", "--create-dirs", "-o", GuestScripts.WindowsDriverPath, "--config", "-"];

    /// <summary>
    /// A curl config holding only the URL (<c>url = "..."</c>, one line; backslash, double quote and line breaks escaped
    /// as curl's config syntax reads them, so nothing in the URL can end the value and add an option).
    /// </summary>
    internal static byte[] CurlConfig(string url)
    {
        var escaped = new StringBuilder(url.Length + 8);
        foreach (var c in url)
        {
            _ = c switch
            {
                '\\' => escaped.Append(@"\\"),
                '"' => escaped.Append("\\\""),
                '\n' => escaped.Append(@"\n"),
                '\r' => escaped.Append(@"\r"),
                '\t' => escaped.Append(@"\t"),
                _ => escaped.Append(c),
            };
        }

        return Encoding.UTF8.GetBytes($"url = \"{escaped}\"\n");
    }

    /// <summary>The text after a marker line of ours in a guest's error output (up to the end of that line), or null.</summary>
    private static string? Marker(string output, string marker)
    {
        var at = output.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var end = output.IndexOfAny(['\r', '\n'], at);
        return output[(at + marker.Length)..(end < 0 ? output.Length : end)].Trim();
    }

    private static string? StageRefused(string err, string output) => Marker(err + "\n" + output, StageRefusedMarker);

    private static Task DeleteInstallerAsync(IRemoteShell shell, GuestSpec spec, CancellationToken ct) =>
        ExecAsync(shell, spec, "cmd.exe", ["/d", "/c", "del", "/f", "/q", GuestScripts.WindowsDriverPath], TimeSpan.FromMinutes(1), mutating: true, ct);

    private static RemoteCommand Command(GuestSpec spec, string program, string[] args, TimeSpan timeout, bool passStdin = false) =>
        AgentGuestChannel.Command(spec, program, args, timeout, passStdin);

    private static Task<(int ExitCode, string Out, string Err)> ExecAsync(IRemoteShell shell, GuestSpec spec, string program, string[] args, TimeSpan timeout, bool mutating, CancellationToken ct) =>
        new AgentGuestChannel(shell, spec).ExecAsync(program, args, timeout, mutating, ct);
}
