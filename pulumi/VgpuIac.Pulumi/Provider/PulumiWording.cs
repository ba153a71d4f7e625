using System.Text.RegularExpressions;

namespace VgpuIac.Pulumi.Provider;

/// <summary>
/// Text the Pulumi door shows (diagnostics, check failures, logs, schema descriptions) names the tool in use:
/// the engine's neutral wording such as "the directory Terraform/Pulumi runs in" becomes "the directory Pulumi runs in",
/// and any other mention of Terraform (there should be none) is rendered as Pulumi too.
/// </summary>
public static partial class PulumiWording
{
    public static string Neutral(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0 || !text.Contains("terraform", StringComparison.OrdinalIgnoreCase))
        {
            return text;
        }

        var both = BothTools().Replace(text, "Pulumi");
        return AnyMention().Replace(both, m => char.IsUpper(m.Value[0]) ? "Pulumi" : "pulumi");
    }

    [GeneratedRegex(@"\b(?:Terraform\s*(?:/|or|and)\s*Pulumi|Pulumi\s*(?:/|or|and)\s*Terraform)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex BothTools();

    [GeneratedRegex("terraform", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AnyMention();
}
