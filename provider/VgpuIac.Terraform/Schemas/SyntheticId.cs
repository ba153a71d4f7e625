using System.Text.RegularExpressions;
using VgpuIac.Engine.Schema;
using VgpuIac.Engine.Values;

namespace VgpuIac.Terraform.Schemas;

/// <summary>
/// The <c>id</c> the door gives resources whose definition has none: the import ID filled in from the
/// state, e.g. format <c>node/vmid</c> with node "pve1" and vmid 101 gives <c>pve1/101</c>.
/// </summary>
public static partial class SyntheticId
{
    public static string? Compute(ResourceDefinition definition, Value state)
    {
        if (state.Kind != ValueKind.Object)
        {
            return null;
        }

        var format = definition.ImportIdFormat ?? (definition.FindAttribute("node") is not null ? "node" : null);
        if (format is null)
        {
            return definition.Name;
        }

        var complete = true;
        var id = Placeholder().Replace(format, match =>
        {
            var name = match.Groups["name"].Value;
            if (definition.FindAttribute(name) is null)
            {
                return match.Value;
            }

            var value = state[name];
            var text = value.Kind switch
            {
                ValueKind.String => value.AsString(),
                ValueKind.Number => Cty.CtyNumber.ToText(value.AsNumber()),
                ValueKind.Bool => value.AsBool() ? "true" : "false",
                _ => null,
            };
            complete &= text is not null;
            return text ?? "";
        });
        return complete ? id : null;
    }

    [GeneratedRegex("[<{]?(?<name>[a-z_][a-z0-9_]*)[>}]?")]
    private static partial Regex Placeholder();
}
