using System.Collections.Immutable;
using System.Globalization;

namespace VgpuIac.Engine.Parsing.Kernel;

/// <summary>Reads <c>dmesg</c> output and finds NVRM / nvidia-vgpu-vfio problems in it.</summary>
internal static class KernelLogParser
{
    public static ParseResult<ImmutableArray<KernelLogEntry>> Parse(string? text)
    {
        var notes = new ParseNotes();
        var entries = new List<(double? Seconds, List<string> Lines)>();
        foreach (var raw in TextLines.Split(text))
        {
            var line = raw.TrimEnd();
            if (line.Trim().Length == 0)
            {
                continue;
            }

            var t = line.TrimStart();
            if (t.StartsWith('['))
            {
                var close = t.IndexOf(']', StringComparison.Ordinal);
                if (close > 0 && double.TryParse(t.AsSpan(1, close - 1).Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var secs))
                {
                    entries.Add((secs, [t[(close + 1)..].Trim()]));
                    continue;
                }
            }

            if (char.IsWhiteSpace(line[0]) && entries.Count > 0)
            {
                entries[^1].Lines.Add(t);
                continue;
            }

            entries.Add((null, [t]));
        }

        return notes.Result<ImmutableArray<KernelLogEntry>>([.. entries.Select(e => new KernelLogEntry(e.Seconds, string.Join('\n', e.Lines)))]);
    }

    /// <summary>The NVIDIA driver problems in the log, in order.</summary>
    public static ImmutableArray<NvrmFinding> FindNvidiaProblems(ImmutableArray<KernelLogEntry> entries)
    {
        var list = ImmutableArray.CreateBuilder<NvrmFinding>();
        foreach (var e in entries)
        {
            var flat = e.Message.Replace("\nNVRM: ", " ", StringComparison.Ordinal).Replace('\n', ' ');
            if (flat.Contains("is not supported by the", StringComparison.Ordinal) || (flat.Contains("installed in this system is not supported", StringComparison.Ordinal)))
            {
                list.Add(new NvrmFinding("GpuNotSupportedByDriver", WordAfter(flat, "NVIDIA GPU "), WordAfter(flat, "PCI ID: ")?.TrimEnd(')'), WordAfter(flat, "NVIDIA ", after: "by the"), flat));
            }
            else if (flat.Contains("probe of", StringComparison.Ordinal) && flat.Contains("failed", StringComparison.Ordinal))
            {
                list.Add(new NvrmFinding("ProbeFailed", WordAfter(flat, "probe of "), null, null, flat));
            }
            else if (flat.Contains("None of the NVIDIA devices were initialized", StringComparison.Ordinal))
            {
                list.Add(new NvrmFinding("NoDevicesInitialized", null, null, null, flat));
            }
            else if (flat.Contains("module verification failed", StringComparison.Ordinal) && flat.Contains("nvidia", StringComparison.OrdinalIgnoreCase))
            {
                list.Add(new NvrmFinding("ModuleVerificationFailed", null, null, null, flat));
            }
            else if (flat.Contains("nvidia-vgpu-vfio", StringComparison.Ordinal) && flat.Contains("start failed", StringComparison.Ordinal))
            {
                list.Add(new NvrmFinding("VgpuStartFailed", null, null, null, flat));
            }
            else if (flat.Contains("NVRM: Xid", StringComparison.Ordinal))
            {
                list.Add(new NvrmFinding("Xid", null, null, null, flat));
            }
        }

        return list.ToImmutable();
    }

    private static string? WordAfter(string s, string marker, string? after = null)
    {
        var from = 0;
        if (after is not null)
        {
            from = s.IndexOf(after, StringComparison.Ordinal);
            if (from < 0)
            {
                return null;
            }
        }

        var at = s.IndexOf(marker, from, StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var rest = s[(at + marker.Length)..].TrimStart();
        var end = rest.IndexOfAny([' ', ',', ')']);
        var w = end < 0 ? rest : rest[..end];
        return w.Length == 0 ? null : w.TrimEnd('.');
    }
}
