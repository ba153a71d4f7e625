using System.Globalization;

namespace VgpuIac.Engine.ProfileOverride;

/// <summary>
/// Byte sizes as vgpu_unlock-rs reads them (its <c>human_number</c>): a plain number of bytes, or a decimal number and a
/// unit — KB/kB/MB/GB/TB are powers of 1000, KiB/MiB/GiB/TiB powers of 1024 — rounded to whole bytes.
/// The provider also accepts <c>0x…</c> hexadecimal, which it writes as a TOML integer.
/// </summary>
internal static class ByteSize
{
    public const ulong MiB = 1024UL * 1024;
    public const ulong GiB = 1024UL * MiB;

    /// <summary>Parses <paramref name="text"/>; null with <paramref name="error"/> set when it is not a size.</summary>
    public static ulong? Parse(string text, out string? error)
    {
        error = null;
        var v = text.Trim();
        if (v.Length == 0)
        {
            error = "an empty string is not a size";
            return null;
        }

        if (v.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            if (ulong.TryParse(v.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex) && !v.Contains('_', StringComparison.Ordinal))
            {
                return hex;
            }

            error = $"\"{text}\" is not a hexadecimal number";
            return null;
        }

        var unitIndex = 0;
        while (unitIndex < v.Length && (char.IsAsciiDigit(v[unitIndex]) || v[unitIndex] == '.'))
        {
            unitIndex++;
        }

        var number = v[..unitIndex];
        var unit = v[unitIndex..].TrimStart();
        if (unit.Length == 0)
        {
            if (ulong.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var plain))
            {
                return plain;
            }

            error = $"\"{text}\" is not a whole number of bytes";
            return null;
        }

        ulong? multiple = unit switch
        {
            "KB" or "kB" => 1000UL,
            "MB" => 1000UL * 1000,
            "GB" => 1000UL * 1000 * 1000,
            "TB" => 1000UL * 1000 * 1000 * 1000,
            "KiB" => 1024UL,
            "MiB" => MiB,
            "GiB" => GiB,
            "TiB" => 1024UL * GiB,
            _ => null,
        };
        if (multiple is null)
        {
            error = $"unknown unit \"{unit}\" in \"{text}\" (use KB, MB, GB, TB, KiB, MiB, GiB or TiB; units are case-sensitive)";
            return null;
        }

        if (number.Length == 0 || !decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
        {
            error = $"\"{text}\" does not start with a number";
            return null;
        }

        var bytes = decimal.Round(amount * multiple.Value, MidpointRounding.AwayFromZero);
        if (bytes > ulong.MaxValue)
        {
            error = $"\"{text}\" is too large";
            return null;
        }

        return (ulong)bytes;
    }

    /// <summary>A short human rendering for messages, e.g. <c>896 MiB</c> or <c>939524097 bytes</c>.</summary>
    public static string Describe(ulong bytes) =>
        bytes % GiB == 0 && bytes > 0 ? $"{bytes / GiB} GiB"
        : bytes % MiB == 0 && bytes > 0 ? $"{bytes / MiB} MiB"
        : $"{bytes.ToString(CultureInfo.InvariantCulture)} bytes";
}
