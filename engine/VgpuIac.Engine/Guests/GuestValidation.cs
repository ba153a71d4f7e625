using System.Globalization;
using System.Text;
using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Schema;
using VgpuIac.Engine.Values;
using D = VgpuIac.Engine.Guests.GuestDefinition;

namespace VgpuIac.Engine.Guests;

/// <summary>Static checks of a <c>vgpu_guest</c> configuration (no node access; unknown values are skipped).</summary>
internal static class GuestValidation
{
    public static IEnumerable<Diagnostic> Run(Value config)
    {
        foreach (var d in AttributeValidation.Run(D.Definition, config))
        {
            yield return d;
        }

        var type = config[D.MdevType];
        var typeName = config[D.MdevTypeName];
        if (type.IsNull && typeName.IsNull)
        {
            yield return Diagnostic.Error("Missing vGPU type", "Set `mdev_type` (e.g. \"nvidia-46\") or `mdev_type_name` (e.g. \"GRID P40-1Q\"); the vgpu_node data source lists the types of each GPU.", AttributePath.Of(D.MdevType));
        }
        else if (!type.IsNull && !typeName.IsNull)
        {
            yield return Diagnostic.Error("Conflicting vGPU type", "Set only one of `mdev_type` and `mdev_type_name`.", AttributePath.Of(D.MdevTypeName));
        }

        if (!config[D.Gpu].IsNull && !config[D.GpuMapping].IsNull)
        {
            yield return Diagnostic.Error("Conflicting GPU selection", "Set `gpu` or `gpu_mapping`, not both: PVE takes either a PCI address or a resource mapping.", AttributePath.Of(D.GpuMapping));
        }

        var machine = config[D.Machine].StringOrNull ?? (config[D.Machine].IsUnknown ? null : "q35");
        if (machine is not null && config[D.Pcie].BoolOrNull != false && !machine.Contains("q35", StringComparison.Ordinal))
        {
            yield return Diagnostic.Error("PCIe needs a q35 machine", $"machine \"{machine}\" is not q35: PVE refuses `pcie=1` there (\"q35 machine model is not enabled\"). Use machine = \"q35\" or set pcie = false.", AttributePath.Of(D.Pcie));
        }

        if (config[D.Bios].StringOrNull == "seabios" && machine is not null && machine.Contains("q35", StringComparison.Ordinal) && !IsQ35AtMost72(machine))
        {
            yield return Diagnostic.Warning("SeaBIOS with a recent q35 machine",
                "The community tutorial reports that guests with SeaBIOS only license when the machine is q35 7.2 or older (this is unverified). Use bios = \"ovmf\", or pin machine = \"pc-q35-7.2\".",
                AttributePath.Of(D.Machine));
        }

        if (!config[D.GuestDriverUrl].IsNull && !config[D.GuestDriverSource].IsNull)
        {
            yield return Diagnostic.Error("Conflicting guest driver sources", "Set `guest_driver_url` or `guest_driver_source`, not both.", AttributePath.Of(D.GuestDriverSource));
        }

        var windows = config[D.Os].StringOrNull == "windows";
        if ((!config[D.GuestDriverUrl].IsNull || !config[D.GuestDriverSource].IsNull) && config[D.GuestDriverSha256].IsNull)
        {
            yield return Diagnostic.Error("Missing guest driver checksum", windows
                ? "Set `guest_driver_sha256` (`certutil -hashfile <ver>_grid_win10_win11_..._international.exe SHA256`, or `sha256sum` of the file): the installer is checked inside the guest before it runs."
                : "Set `guest_driver_sha256` (`sha256sum NVIDIA-Linux-x86_64-<ver>-grid.run`): the installer is checked before it runs.", AttributePath.Of(D.GuestDriverSha256));
        }

        // a Linux .run in a Windows guest (or a Windows .exe in a Linux guest) would only fail inside the guest
        var installerPath = AttributePath.Of(config[D.GuestDriverSource].IsNull ? D.GuestDriverUrl : D.GuestDriverSource);
        if ((config[D.GuestDriverSource].StringOrNull ?? config[D.GuestDriverUrl].StringOrNull) is { } installerName)
        {
            var looksWindows = installerName.EndsWith(".exe", StringComparison.OrdinalIgnoreCase);
            var looksLinux = installerName.EndsWith(".run", StringComparison.OrdinalIgnoreCase) || installerName.Contains("NVIDIA-Linux-", StringComparison.Ordinal);
            if (windows && looksLinux)
            {
                yield return Diagnostic.Error("Linux guest driver for a Windows guest", "os is \"windows\": use the Windows guest driver of the vGPU release (<ver>_grid_win10_win11_..._international.exe), not the Linux .run.", installerPath);
            }
            else if (!windows && looksWindows && config[D.Os].IsKnown)
            {
                yield return Diagnostic.Error("Windows guest driver for a Linux guest", "os is \"linux\": use the Linux guest driver of the vGPU release (NVIDIA-Linux-x86_64-<ver>-grid.run), or set os = \"windows\".", installerPath);
            }
        }

        foreach (var d in ValidateGuestSsh(config, windows).Concat(ValidatePrivateKey(config)))
        {
            yield return d;
        }

        if (config[D.GuestSetup].StringOrNull == "agent" && config[D.Agent].BoolOrNull == false && config[D.GuestSshHost].IsNull
            && (!config[D.GuestDriverUrl].IsNull || !config[D.GuestDriverSource].IsNull || !config[D.LicenseToken].IsNull))
        {
            yield return Diagnostic.Error("Guest setup needs the guest agent", "guest_setup = \"agent\" installs the driver and licence through the QEMU guest agent: set agent = true, or set guest_ssh_host (and its key settings) to set the guest up over SSH.", AttributePath.Of(D.Agent));
        }

        if (config[D.HostDriverVersion].StringOrNull is { } host && GuestSpec.From(config).DriverVersionFromName is { } guest && !DriverPairing.SameRelease(host, guest, windows))
        {
            yield return Diagnostic.Error("Guest driver does not match the host driver",
                $"The guest driver {guest} is not from the same vGPU release as the host driver {host} ({DriverPairing.Describe(host, windows)}). Use the guest driver of the same release.",
                AttributePath.Of(config[D.GuestDriverSource].IsNull ? D.GuestDriverUrl : D.GuestDriverSource));
        }
    }

    /// <summary>guest_ssh_*: a host with a pinned host key and one private key; Linux guests only.</summary>
    private static IEnumerable<Diagnostic> ValidateGuestSsh(Value config, bool windows)
    {
        var others = new[] { D.GuestSshPort, D.GuestSshUser, D.GuestSshPrivateKey, D.GuestSshPrivateKeyFile, D.GuestSshHostKeySha256 };
        if (config[D.GuestSshHost].IsNull)
        {
            foreach (var name in others.Where(n => !config[n].IsNull))
            {
                yield return Diagnostic.Error("Missing guest_ssh_host", $"{name} is set but guest_ssh_host is not: set the guest's address (or remove the guest_ssh_* settings to use the QEMU guest agent).", AttributePath.Of(D.GuestSshHost));
                yield break;
            }

            yield break;
        }

        if (windows)
        {
            yield return Diagnostic.Error("Windows guests are set up through the guest agent",
                "guest_ssh_* is for Linux guests; a Windows guest (os = \"windows\") is set up through the QEMU guest agent. Remove guest_ssh_host.", AttributePath.Of(D.GuestSshHost));
        }

        var fingerprint = config[D.GuestSshHostKeySha256];
        if (fingerprint.IsNull)
        {
            yield return Diagnostic.Error("Missing guest host key",
                "Set guest_ssh_host_key_sha256 to the SHA-256 fingerprint of the guest's SSH host key (`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on the guest's console prints SHA256:...). Host keys are never trusted on first use.",
                AttributePath.Of(D.GuestSshHostKeySha256));
        }
        else if (fingerprint.StringOrNull is { } text && Nodes.HostKeyFingerprint.Normalize(text) is null)
        {
            yield return Diagnostic.Error("Invalid guest host key fingerprint",
                $"\"{text}\" is not a SHA-256 fingerprint: use the SHA256:... value `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` prints (43 base64 characters).",
                AttributePath.Of(D.GuestSshHostKeySha256));
        }

        if (config[D.GuestSshPrivateKey].IsNull && config[D.GuestSshPrivateKeyFile].IsNull)
        {
            yield return Diagnostic.Error("Missing guest SSH key", "Set guest_ssh_private_key or guest_ssh_private_key_file: the key VgpuIac logs into the guest with.", AttributePath.Of(D.GuestSshPrivateKey));
        }
        else if (!config[D.GuestSshPrivateKey].IsNull && !config[D.GuestSshPrivateKeyFile].IsNull)
        {
            yield return Diagnostic.Error("Conflicting guest SSH keys", "Set guest_ssh_private_key or guest_ssh_private_key_file, not both.", AttributePath.Of(D.GuestSshPrivateKeyFile));
        }
    }

    private static bool IsQ35AtMost72(string machine)
    {
        var m = System.Text.RegularExpressions.Regex.Match(machine, @"pc-q35-([0-9]+)\.([0-9]+)", System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromMilliseconds(100));
        return m.Success && (int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)) is var (major, minor) && (major < 7 || (major == 7 && minor <= 2));
    }

    /// <summary>
    /// An inline guest_ssh_private_key must be a whole, unencrypted key file's text: PEM armour whose body is base64 (an
    /// OpenSSH key's body starts with <c>openssh-key-v1</c>). Checked here so a pasted fragment gets a clear message instead
    /// of the SSH library's exception name. The key itself never appears in a message.
    /// </summary>
    private static IEnumerable<Diagnostic> ValidatePrivateKey(Value config)
    {
        if (config[D.GuestSshPrivateKey].StringOrNull is not { } key || KeyProblem(key) is not { } problem)
        {
            yield break;
        }

        yield return Diagnostic.Error("Invalid guest SSH private key",
            $"guest_ssh_private_key is not a readable private key: {problem}. Use the whole text of an unencrypted private key file, from " +
            "\"-----BEGIN OPENSSH PRIVATE KEY-----\" (or \"-----BEGIN RSA/EC PRIVATE KEY-----\") to the matching END line, e.g. file(\"~/.ssh/id_ed25519\"); " +
            "or set guest_ssh_private_key_file.", AttributePath.Of(D.GuestSshPrivateKey));
    }

    /// <summary>What is wrong with a private key's text; null when it looks like a key file.</summary>
    public static string? KeyProblem(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var lines = key.Replace("\r", string.Empty, StringComparison.Ordinal).Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        var begin = lines.FindIndex(l => l.StartsWith("-----BEGIN ", StringComparison.Ordinal) && l.EndsWith("PRIVATE KEY-----", StringComparison.Ordinal));
        if (begin < 0)
        {
            return "it has no \"-----BEGIN ... PRIVATE KEY-----\" line";
        }

        var kind = lines[begin]["-----BEGIN ".Length..^"-----".Length];
        var end = lines.FindIndex(begin + 1, l => l == $"-----END {kind}-----");
        if (end < 0)
        {
            return $"its \"-----END {kind}-----\" line is missing (the text is cut off)";
        }

        var body = lines.Skip(begin + 1).Take(end - begin - 1).Where(l => !l.Contains(':', StringComparison.Ordinal)).ToList();
        if (lines.Skip(begin + 1).Take(end - begin - 1).Any(l => l.StartsWith("Proc-Type:", StringComparison.Ordinal) && l.Contains("ENCRYPTED", StringComparison.Ordinal)))
        {
            return "it is encrypted with a passphrase (use an unencrypted key)";
        }

        var text = string.Concat(body);
        var bytes = new byte[text.Length];
        if (text.Length == 0 || !Convert.TryFromBase64String(text, bytes, out var written))
        {
            return "its body between the BEGIN and END lines is not base64 (damaged or edited)";
        }

        if (kind == "OPENSSH PRIVATE KEY" && !bytes.AsSpan(0, written).StartsWith("openssh-key-v1\0"u8))
        {
            return "its body is not an OpenSSH key (no openssh-key-v1 header)";
        }

        return null;
    }
}
