using System.Globalization;

namespace VgpuIac.Engine.Parsing.Pci;

/// <summary>
/// A PCI address as the tools print it: <c>0000:01:00.0</c> (lspci, mdevctl, PVE), <c>00000000:01:00.0</c>
/// (nvidia-smi, 8-digit domain), <c>01:00.0</c> (short, domain 0), <c>01:00</c> (all functions, PVE hostpci).
/// <see cref="ToString"/> gives the canonical sysfs form with a 4-digit domain.
/// </summary>
public sealed record PciAddress(int Domain, int Bus, int Device, int? Function)
{
    /// <summary>Reads any of the forms above; null when <paramref name="text"/> is not a PCI address.</summary>
    public static PciAddress? TryParse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var s = text.Trim();
        var parts = s.Split(':');
        int domain = 0;
        string busText;
        string devFn;
        switch (parts.Length)
        {
            case 2:
                busText = parts[0];
                devFn = parts[1];
                break;
            case 3:
                if (!TryHex(parts[0], 8, out domain))
                {
                    return null;
                }

                busText = parts[1];
                devFn = parts[2];
                break;
            default:
                return null;
        }

        if (!TryHex(busText, 2, out var bus) || busText.Length != 2)
        {
            return null;
        }

        var dot = devFn.IndexOf('.', StringComparison.Ordinal);
        var devText = dot < 0 ? devFn : devFn[..dot];
        if (devText.Length != 2 || !TryHex(devText, 2, out var dev) || dev > 0x1f)
        {
            return null;
        }

        int? fn = null;
        if (dot >= 0)
        {
            var fnText = devFn[(dot + 1)..];
            if (fnText.Length != 1 || fnText[0] < '0' || fnText[0] > '7')
            {
                return null;
            }

            fn = fnText[0] - '0';
        }

        return new PciAddress(domain, bus, dev, fn);
    }

    /// <summary>The same device function in another domain-less or domain form compares equal after parsing.</summary>
    public override string ToString() =>
        Function is { } f
            ? string.Create(CultureInfo.InvariantCulture, $"{Domain:x4}:{Bus:x2}:{Device:x2}.{f}")
            : string.Create(CultureInfo.InvariantCulture, $"{Domain:x4}:{Bus:x2}:{Device:x2}");

    private static bool TryHex(string s, int maxLength, out int value)
    {
        value = 0;
        return s.Length > 0 && s.Length <= maxLength
            && int.TryParse(s, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
    }
}
