using System.Text;

namespace VgpuIac.Pulumi.PropertyValues;

/// <summary>Pulumi property names are the engine's snake_case attribute names in camelCase.</summary>
public static class PropertyNames
{
    /// <summary><c>host_key_sha256</c> becomes <c>hostKeySha256</c>; names without underscores are unchanged.</summary>
    public static string ToCamel(string snake)
    {
        ArgumentNullException.ThrowIfNull(snake);
        if (!snake.Contains('_', StringComparison.Ordinal))
        {
            return snake;
        }

        var sb = new StringBuilder(snake.Length);
        var upper = false;
        foreach (var c in snake)
        {
            if (c == '_')
            {
                upper = sb.Length > 0;
                continue;
            }

            sb.Append(upper ? char.ToUpperInvariant(c) : c);
            upper = false;
        }

        return sb.ToString();
    }

    /// <summary>A PascalCase name from snake_case, e.g. <c>host_driver</c> to <c>HostDriver</c>.</summary>
    public static string ToPascal(string snake)
    {
        var camel = ToCamel(snake);
        return camel.Length == 0 ? camel : char.ToUpperInvariant(camel[0]) + camel[1..];
    }
}
