using System.Globalization;
using System.Numerics;

namespace VgpuIac.Terraform.Cty;

/// <summary>How cty puts a number on the wire: int64 when integral, float64 when exactly representable, else decimal text.</summary>
public static class CtyNumber
{
    private const NumberStyles Style = NumberStyles.Float;

    public static bool TryAsInt64(decimal number, out long value)
    {
        if (decimal.Truncate(number) == number && number >= long.MinValue && number <= long.MaxValue)
        {
            value = decimal.ToInt64(number);
            return true;
        }

        value = 0;
        return false;
    }

    /// <summary>True when <paramref name="number"/> is exactly a (finite) float64: a dyadic rational with a 53-bit mantissa.</summary>
    public static bool TryAsExactDouble(decimal number, out double value)
    {
        value = 0;
        var bits = decimal.GetBits(number);
        var scale = (bits[3] >> 16) & 0xFF;
        var mantissa = new BigInteger((uint)bits[0]) | (new BigInteger((uint)bits[1]) << 32) | (new BigInteger((uint)bits[2]) << 64);
        if (mantissa.IsZero)
        {
            value = 0;
            return true;
        }

        // number = mantissa / 10^scale = mantissa / (2^scale * 5^scale): a dyadic rational iff 5^scale divides mantissa.
        var five = BigInteger.Pow(5, scale);
        if (!(mantissa % five).IsZero)
        {
            return false;
        }

        var odd = mantissa / five;
        var exponent = -scale;
        while (odd.IsEven)
        {
            odd >>= 1;
            exponent++;
        }

        if (odd.GetBitLength() > 53 || exponent < -1074 || exponent > 971)
        {
            return false;
        }

        value = Math.ScaleB((double)odd, exponent);
        if (number < 0)
        {
            value = -value;
        }

        return true;
    }

    /// <summary>Reads a decimal number written as text (cty writes plain decimals; exponents are accepted too).</summary>
    public static decimal Parse(string text)
    {
        if (decimal.TryParse(text, Style, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        throw new CtyFormatException($"the number \"{text}\" is outside the range this provider supports (about ±7.9e28, 28 digits)");
    }

    /// <summary>A float64 from the wire as the shortest decimal that reads back as the same double.</summary>
    public static decimal FromDouble(double value)
    {
        if (double.IsNaN(value) || double.IsInfinity(value))
        {
            throw new CtyFormatException("infinite numbers are not supported by this provider");
        }

        return Parse(value.ToString("R", CultureInfo.InvariantCulture));
    }

    public static string ToText(decimal number)
    {
        var text = number.ToString(CultureInfo.InvariantCulture);
        if (text.Contains('.', StringComparison.Ordinal))
        {
            text = text.TrimEnd('0').TrimEnd('.');
        }

        return text;
    }
}
