using System.Collections.Immutable;

namespace VgpuIac.Engine.Parsing.Pci;

/// <summary>
/// Reads <c>lspci [-nn] [-k]</c> output: detail lines may be tab-, space- or not indented; stderr noise
/// (<c>lspci: Unable to load libkmod resources</c>) is skipped with a warning. Detail lines with no device line above
/// them mean the top was cut (truncated); a shell prompt glued before the first device line is skipped.
/// </summary>
internal static class LspciParser
{
    public static ParseResult<ImmutableArray<LspciDevice>> Parse(string? text)
    {
        var notes = new ParseNotes();
        var devices = ImmutableArray.CreateBuilder<LspciDevice>();
        Builder? current = null;
        var lineNo = 0;
        foreach (var raw in TextLines.Split(text))
        {
            lineNo++;
            var t = raw.Trim();
            if (t.Length == 0)
            {
                continue;
            }

            var device = TryDeviceLine(t);
            if (device is null && current is null && devices.Count == 0 && TextLines.AfterPrompt(t) is { } afterPrompt && TryDeviceLine(afterPrompt) is { } prompted)
            {
                notes.Warn($"line {lineNo}: a shell prompt before the first device was skipped");
                device = prompted;
            }

            if (device is not null)
            {
                if (current is not null)
                {
                    devices.Add(current.Build());
                }

                current = device;
                continue;
            }

            var colon = t.IndexOf(": ", StringComparison.Ordinal);
            var key = colon > 0 ? t[..colon] : t.TrimEnd(':');
            var value = colon > 0 ? t[(colon + 2)..].Trim() : string.Empty;
            if (current is null && devices.Count == 0 && key is "Subsystem" or "Kernel driver in use" or "Kernel modules" or "Flags" or "Control" or "Capabilities")
            {
                // a device's detail line with no device line above it: the top of the output was cut
                notes.Truncate($"line {lineNo}: '{t}' belongs to a device whose line was cut off the top of the output");
                continue;
            }

            if (current is null || t.StartsWith("lspci:", StringComparison.Ordinal) || t.StartsWith("pcilib:", StringComparison.Ordinal))
            {
                notes.Warn($"line {lineNo}: skipped '{t}'");
                continue;
            }

            switch (key)
            {
                case "Subsystem":
                    current.Subsystem = value;
                    (current.SubVendor, current.SubDevice) = TrailingIds(value);
                    break;
                case "Kernel driver in use":
                    current.Driver = value;
                    break;
                case "Kernel modules":
                    current.Modules = [.. value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];
                    break;
                default:
                    // Other -v detail lines (Flags, Memory at, Capabilities) are not needed.
                    break;
            }
        }

        if (current is not null)
        {
            devices.Add(current.Build());
        }

        return notes.Result(devices.ToImmutable());
    }

    private static Builder? TryDeviceLine(string t)
    {
        var sp = t.IndexOf(' ', StringComparison.Ordinal);
        if (sp <= 0)
        {
            return null;
        }

        var addressText = t[..sp];
        var address = PciAddress.TryParse(addressText);
        if (address is null)
        {
            return null;
        }

        var rest = t[(sp + 1)..];
        var colon = rest.IndexOf(": ", StringComparison.Ordinal);
        if (colon <= 0)
        {
            return null;
        }

        var cls = rest[..colon].Trim();
        string? classId = null;
        if (cls.EndsWith(']') && cls.LastIndexOf(" [", StringComparison.Ordinal) is var b and > 0)
        {
            classId = cls[(b + 2)..^1];
            cls = cls[..b];
        }

        var desc = rest[(colon + 2)..].Trim();
        string? rev = null;
        var revAt = desc.LastIndexOf(" (rev ", StringComparison.Ordinal);
        if (revAt > 0 && desc.EndsWith(')'))
        {
            rev = desc[(revAt + 6)..^1];
            desc = desc[..revAt].TrimEnd();
        }

        var (vendor, device) = TrailingIds(desc);
        if (vendor is not null)
        {
            // the ids' bracket, as TrailingIds found it (it need not follow a space: "TU[10de:1eb8]")
            desc = desc[..desc.LastIndexOf('[')].TrimEnd();
        }

        return new Builder(addressText, address, cls, classId, desc, vendor, device, rev);
    }

    /// <summary>Reads a trailing <c>[vvvv:dddd]</c>.</summary>
    private static (string? Vendor, string? Device) TrailingIds(string s)
    {
        var t = s.TrimEnd();
        if (!t.EndsWith(']'))
        {
            return (null, null);
        }

        var open = t.LastIndexOf('[');
        if (open < 0)
        {
            return (null, null);
        }

        var inner = t[(open + 1)..^1];
        return inner.Length == 9 && inner[4] == ':' && inner.Remove(4, 1).All(char.IsAsciiHexDigit)
            ? (inner[..4].ToLowerInvariant(), inner[5..].ToLowerInvariant())
            : (null, null);
    }

    private sealed class Builder(string addressText, PciAddress address, string cls, string? classId, string desc, string? vendor, string? device, string? rev)
    {
        public string? Subsystem { get; set; }

        public string? SubVendor { get; set; }

        public string? SubDevice { get; set; }

        public string? Driver { get; set; }

        public ImmutableArray<string> Modules { get; set; } = [];

        public LspciDevice Build() => new(addressText, address, cls, classId, desc, vendor, device, rev, Subsystem, SubVendor, SubDevice, Driver, Modules);
    }
}
