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

    /// <summary>
    /// A float64 from the wire as its exact value when a decimal holds it (cty writes a float64 only for a number it
    /// represents exactly), else as the shortest decimal that reads back as the same double.
    /// </summary>
    public static decimal FromDouble(double value)
    {
        if (double.IsNaN(value) || double.IsInfinity(value))
        {
            throw new CtyFormatException("infinite numbers are not supported by this provider");
        }

        return TryExactDecimal(value, out var exact) ? exact : Parse(value.ToString("R", CultureInfo.InvariantCulture));
    }

    /// <summary>The exact value of a finite double (mantissa * 2^exponent = mantissa * 5^-exponent / 10^-exponent), if it fits a decimal.</summary>
    private static bool TryExactDecimal(double value, out decimal exact)
    {
        exact = 0;
        var bits = BitConverter.DoubleToInt64Bits(value);
        var exponent = (int)((bits >> 52) & 0x7FF);
        var mantissa = new BigInteger(bits & 0xF_FFFF_FFFF_FFFF);
        if (exponent == 0)
        {
            exponent = 1;
        }
        else
        {
            mantissa |= BigInteger.One << 52;
        }

        exponent -= 1075;
        if (mantissa.IsZero)
        {
            return true;
        }

        while (mantissa.IsEven && exponent < 0)
        {
            mantissa >>= 1;
            exponent++;
        }

        var scale = 0;
        if (exponent >= 0)
        {
            mantissa <<= exponent;
        }
        else
        {
            scale = -exponent;
            mantissa *= BigInteger.Pow(5, scale);
        }

        if (scale > 28 || mantissa.GetBitLength() > 96)
        {
            return false;
        }

        var words = (uint)(mantissa & uint.MaxValue);
        exact = new decimal((int)words, (int)(uint)((mantissa >> 32) & uint.MaxValue), (int)(uint)((mantissa >> 64) & uint.MaxValue), value < 0, (byte)scale);
        return true;
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
