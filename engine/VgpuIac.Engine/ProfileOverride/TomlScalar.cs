using System.Globalization;
using System.Text;

namespace VgpuIac.Engine.ProfileOverride;

/// <summary>A value of one key in <c>profile_override.toml</c>, with the text it has (or will have) in the file.</summary>
internal sealed record TomlScalar
{
    public required TomlScalarKind Kind { get; init; }

    public long Integer { get; init; }

    public string? Text { get; init; }

    public bool Boolean { get; init; }

    /// <summary>The value as TOML source text, e.g. <c>0x38000000</c> or <c>"GRID P40-1Q"</c>.</summary>
    public required string Source { get; init; }

    public static TomlScalar FromInteger(long value, bool hex) => new()
    {
        Kind = TomlScalarKind.Integer,
        Integer = value,
        Source = hex && value >= 0 ? "0x" + value.ToString("X", CultureInfo.InvariantCulture) : value.ToString(CultureInfo.InvariantCulture),
    };

    public static TomlScalar FromString(string value) => new() { Kind = TomlScalarKind.String, Text = value, Source = Quote(value) };

    /// <summary>A TOML basic string: quotes, backslashes and control characters escaped, everything else literal.</summary>
    public static string Quote(string value)
    {
        var sb = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (char.IsControl(c))
                    {
                        sb.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        return sb.Append('"').ToString();
    }
}
