using System.Text;
using VgpuIac.Engine.Diagnostics;

namespace VgpuIac.Pulumi.PropertyValues;

/// <summary>Renders Pulumi property paths (<c>a.b[0]["key"]</c>) from engine attribute paths and while walking values.</summary>
public static class PropertyPath
{
    public static string Property(string parent, string camelName) => parent.Length == 0 ? camelName : parent + "." + camelName;

    public static string Index(string parent, int index) => $"{parent}[{index}]";

    public static string Key(string parent, string key) => $"{parent}[\"{key.Replace("\"", "\\\"", StringComparison.Ordinal)}\"]";

    /// <summary>The Pulumi path of an engine attribute path: attribute names in camelCase, keys and indexes as they are.</summary>
    public static string From(AttributePath? path)
    {
        if (path is null)
        {
            return string.Empty;
        }

        var sb = new StringBuilder();
        foreach (var step in path.Steps)
        {
            switch (step)
            {
                case PathStep.AttributeName a:
                    if (sb.Length > 0) { sb.Append('.'); }
                    sb.Append(PropertyNames.ToCamel(a.Name));
                    break;
                case PathStep.ElementKey k:
                    sb.Append("[\"").Append(k.Key.Replace("\"", "\\\"", StringComparison.Ordinal)).Append("\"]");
                    break;
                case PathStep.ElementIndex i:
                    sb.Append('[').Append(i.Index).Append(']');
                    break;
            }
        }

        return sb.ToString();
    }

    /// <summary>The top-level property of a path (what <c>DiffResponse.diffs</c> lists).</summary>
    public static string TopLevel(string path)
    {
        var end = path.IndexOfAny(['.', '[']);
        return end < 0 ? path : path[..end];
    }
}
