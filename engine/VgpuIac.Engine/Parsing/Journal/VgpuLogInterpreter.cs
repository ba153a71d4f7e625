using System.Collections.Immutable;
using VgpuIac.Engine.Parsing.Pve;

namespace VgpuIac.Engine.Parsing.Journal;

/// <summary>Classifies journal entries of nvidia-vgpu-mgr, nvidia-vgpud and vgpu_unlock-rs.</summary>
internal static class VgpuLogInterpreter
{
    public static ImmutableArray<VgpuLogEvent> Interpret(JournalLog log) => [.. log.Entries.Select(Classify)];

    /// <summary>Parses the text and classifies every entry.</summary>
    public static ParseResult<ImmutableArray<VgpuLogEvent>> Parse(string? text) => JournalParser.Parse(text).Select(Interpret);

    public static VgpuLogEvent Classify(JournalEntry e)
    {
        var m = e.Message;
        VgpuLogEvent Ev(VgpuLogEventKind kind, string? uuid = null, int? type = null, string? profile = null, string? field = null, string? oldV = null, string? newV = null, string? value = null) =>
            new(kind, e, uuid, type, profile, field, oldV, newV, value);

        if (e.Identifier == "systemd")
        {
            if (m.StartsWith("Starting ", StringComparison.Ordinal))
            {
                return Ev(VgpuLogEventKind.ServiceStarting);
            }

            if (m.StartsWith("Started ", StringComparison.Ordinal))
            {
                return Ev(VgpuLogEventKind.ServiceStarted);
            }

            if (m.Contains("Failed with result", StringComparison.Ordinal) || m.Contains("status=", StringComparison.Ordinal))
            {
                return Ev(VgpuLogEventKind.ServiceFailed, value: After(m, "status=")?.TrimEnd('.'));
            }

            return Ev(VgpuLogEventKind.Other);
        }

        if (m.Contains("Received start call", StringComparison.Ordinal))
        {
            return Ev(VgpuLogEventKind.VgpuStartCall, uuid: QmStartParser.FindUuid(m), type: TextLines.Int(Word(After(m, "vgpu_type_id="))), value: Word(After(m, "GPU PCI id ")));
        }

        if (m.StartsWith("Applying ", StringComparison.Ordinal) && m.Contains(" overrides", StringComparison.Ordinal))
        {
            var what = m["Applying ".Length..m.IndexOf(" overrides", StringComparison.Ordinal)];
            var sp = what.IndexOf(' ', StringComparison.Ordinal);
            return Ev(VgpuLogEventKind.OverrideApplying, profile: sp < 0 ? what : what[(sp + 1)..], value: sp < 0 ? null : what[..sp]);
        }

        if (m.StartsWith("Patching ", StringComparison.Ordinal))
        {
            var body = m["Patching ".Length..];
            var colon = body.IndexOf(": ", StringComparison.Ordinal);
            var arrow = body.IndexOf(" -> ", StringComparison.Ordinal);
            if (colon > 0 && arrow > colon)
            {
                var target = body[..colon];
                var slash = target.LastIndexOf('/');
                return Ev(
                    VgpuLogEventKind.OverridePatched,
                    profile: slash < 0 ? null : target[..slash],
                    field: slash < 0 ? target : target[(slash + 1)..],
                    oldV: body[(colon + 2)..arrow].Trim(),
                    newV: body[(arrow + 4)..].Trim());
            }
        }

        if (m.Contains("Failed to apply profile override", StringComparison.Ordinal) || m.Contains("Failed to decode config", StringComparison.Ordinal))
        {
            return Ev(VgpuLogEventKind.OverrideFailed);
        }

        if (m.Contains("Parameters size for", StringComparison.Ordinal))
        {
            return Ev(VgpuLogEventKind.UnlockAbiMismatch);
        }

        if (m.Contains("vgpu_unlock loaded", StringComparison.Ordinal))
        {
            return Ev(VgpuLogEventKind.UnlockLoaded);
        }

        if (m.Contains("Failed to get VM UUID", StringComparison.Ordinal))
        {
            return Ev(VgpuLogEventKind.VmUuidMissing, value: LastWord(m));
        }

        if (m.Contains("Failed to initialize RM client", StringComparison.Ordinal))
        {
            return Ev(VgpuLogEventKind.RmClientFailed, value: LastWord(m));
        }

        if (m.Contains("GPU not supported by vGPU", StringComparison.Ordinal))
        {
            return Ev(VgpuLogEventKind.GpuNotSupported, value: Word(After(m, "PCI Id: ")));
        }

        if (m.Contains("NVOS status", StringComparison.Ordinal))
        {
            return Ev(VgpuLogEventKind.NvosError, value: Word(After(m, "NVOS status ")));
        }

        if (m.Contains("license state:", StringComparison.OrdinalIgnoreCase))
        {
            var at = m.IndexOf("license state:", StringComparison.OrdinalIgnoreCase);
            return Ev(VgpuLogEventKind.LicenceState, value: m[(at + "license state:".Length)..].Trim());
        }

        if (m.Contains("daemon started", StringComparison.Ordinal))
        {
            return Ev(VgpuLogEventKind.DaemonStarted);
        }

        if (m.Contains("Driver Version:", StringComparison.Ordinal))
        {
            return Ev(VgpuLogEventKind.GuestDriverVersion, value: Word(After(m, "Driver Version:")?.Trim()));
        }

        if (m.StartsWith("error:", StringComparison.Ordinal) || m.Contains(" error:", StringComparison.Ordinal))
        {
            return Ev(VgpuLogEventKind.Error);
        }

        return Ev(VgpuLogEventKind.Other);
    }

    private static string? After(string s, string marker)
    {
        var at = s.IndexOf(marker, StringComparison.Ordinal);
        return at < 0 ? null : s[(at + marker.Length)..];
    }

    private static string? Word(string? s)
    {
        if (s is null)
        {
            return null;
        }

        var t = s.TrimStart();
        var end = t.IndexOfAny([' ', ',', '\n']);
        var w = end < 0 ? t : t[..end];
        return w.Length == 0 ? null : w;
    }

    private static string? LastWord(string s)
    {
        var t = s.TrimEnd();
        var sp = t.LastIndexOf(' ');
        return sp < 0 ? null : t[(sp + 1)..];
    }
}
