using System.Collections.Immutable;
using VgpuIac.Engine.Parsing.Pci;

namespace VgpuIac.Engine.Parsing.Pve;

/// <summary>Reads a <c>hostpciN</c> property string (qemu-server PCI.pm format).</summary>
public static class HostPciParser
{
    /// <summary>Reads one <c>hostpciN</c> value, e.g. <c>0000:01:00.0,mdev=nvidia-46,pcie=1</c>.</summary>
    public static ParseResult<HostPciDevice> Parse(string? value)
    {
        var notes = new ParseNotes();
        string? host = null, mapping = null, mdev = null, romfile = null, vendor = null, device = null, subVendor = null, subDevice = null, driver = null;
        bool? pcie = null, rombar = null, xvga = null, igd = null;
        var other = ImmutableArray.CreateBuilder<KeyValuePair<string, string>>();
        var first = true;
        foreach (var rawPart in (value ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = rawPart.IndexOf('=', StringComparison.Ordinal);
            string key, v;
            if (eq < 0)
            {
                if (!first)
                {
                    notes.Warn($"option without a value: '{rawPart}'");
                    continue;
                }

                key = "host";
                v = rawPart;
            }
            else
            {
                key = rawPart[..eq].Trim();
                v = rawPart[(eq + 1)..].Trim();
            }

            first = false;
            switch (key)
            {
                case "host": host = v; break;
                case "mapping": mapping = v; break;
                case "mdev": mdev = v; break;
                case "pcie": pcie = Bool(v, key, notes); break;
                case "rombar": rombar = Bool(v, key, notes); break;
                case "x-vga": xvga = Bool(v, key, notes); break;
                case "legacy-igd": igd = Bool(v, key, notes); break;
                case "romfile": romfile = v; break;
                case "vendor-id": vendor = v; break;
                case "device-id": device = v; break;
                case "sub-vendor-id": subVendor = v; break;
                case "sub-device-id": subDevice = v; break;
                case "driver": driver = v; break;
                default: other.Add(new KeyValuePair<string, string>(key, v)); break;
            }
        }

        var addresses = ImmutableArray.CreateBuilder<PciAddress>();
        if (host is not null)
        {
            foreach (var h in host.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (PciAddress.TryParse(h) is { } a)
                {
                    addresses.Add(a);
                }
                else
                {
                    notes.Warn($"host '{h}' is not a PCI address");
                }
            }
        }

        if (host is null && mapping is null)
        {
            notes.Warn("neither host nor mapping is set");
        }

        return notes.Result(new HostPciDevice(host, addresses.ToImmutable(), mapping, mdev, pcie, rombar, xvga, romfile, igd, vendor, device, subVendor, subDevice, driver, other.ToImmutable()));
    }

    private static bool? Bool(string v, string key, ParseNotes notes)
    {
        switch (v)
        {
            case "1" or "on" or "yes" or "true":
                return true;
            case "0" or "off" or "no" or "false":
                return false;
            default:
                notes.Warn($"{key}={v} is not a boolean");
                return null;
        }
    }
}
