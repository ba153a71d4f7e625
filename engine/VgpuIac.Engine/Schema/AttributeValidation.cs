using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.Schema;

/// <summary>Runs every attribute's validators over a configuration object (unknown and null values are skipped).</summary>
public static class AttributeValidation
{
    public static IEnumerable<Diagnostic> Run(ResourceDefinition definition, Value config) =>
        definition.Attributes.SelectMany(a => a.Validators.SelectMany(v => v.Validate(config[a.Name], AttributePath.Of(a.Name))));
}
