using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Schema;
using VgpuIac.Engine.Values;

namespace VgpuIac.Terraform.Schemas;

/// <summary>
/// The schema checks the door does itself before the engine sees a configuration: required attributes,
/// read-only attributes left unset, attribute validators, block counts and timeout durations.
/// Unknown values are skipped (they are checked again once known). Every diagnostic carries its path.
/// </summary>
public static class ConfigValidator
{
    public static IEnumerable<Diagnostic> Validate(BlockDefinition block, Value config) =>
        ValidateBlock(block, config, AttributePath.Root);

    private static IEnumerable<Diagnostic> ValidateBlock(BlockDefinition block, Value config, AttributePath path)
    {
        if (!config.IsKnown || config.IsNull)
        {
            yield break;
        }

        foreach (var attribute in block.Attributes)
        {
            var value = config[attribute.Name];
            var at = path.Attribute(attribute.Name);
            if (value.IsNull)
            {
                if (attribute.IsRequired)
                {
                    yield return Diagnostic.Error("Missing required argument", $"The argument \"{attribute.Name}\" is required, but no definition was found.", at);
                }

                continue;
            }

            if (attribute.Mode == AttributeMode.Computed)
            {
                yield return Diagnostic.Error("Invalid configuration for read-only attribute", $"Cannot set \"{attribute.Name}\": the provider fills it in. Remove it from the configuration.", at);
                continue;
            }

            if (!value.IsKnown)
            {
                continue;
            }

            if (attribute.Deprecation is not null)
            {
                yield return Diagnostic.Warning("Deprecated attribute", $"\"{attribute.Name}\" is deprecated: {attribute.Deprecation}", at);
            }

            foreach (var validator in attribute.Validators)
            {
                foreach (var diagnostic in validator.Validate(value, at))
                {
                    yield return attribute.Sensitive || value.IsSensitive ? AttributeValidation.Redact(diagnostic, AttributeValidation.Secrets(value)) : diagnostic;
                }
            }

            if (block.Name == DoorAttributes.TimeoutsBlockName && value.Kind == ValueKind.String && !GoDuration.TryParse(value.AsString(), out _))
            {
                yield return Diagnostic.Error("Invalid timeout", $"\"{value.AsString()}\" is not a duration. Write it like `30s`, `10m` or `1h30m`.", at);
            }
        }

        foreach (var nested in block.Blocks)
        {
            var value = config[nested.Name];
            var at = path.Attribute(nested.Name);
            if (!value.IsKnown)
            {
                continue;
            }

            switch (nested.Nesting)
            {
                case BlockNesting.Single:
                    if (value.IsNull && nested.MinItems > 0)
                    {
                        yield return Diagnostic.Error("Missing required block", $"A \"{nested.Name}\" block is required.", at);
                    }

                    foreach (var d in ValidateBlock(nested, value, at))
                    {
                        yield return d;
                    }

                    break;
                case BlockNesting.List or BlockNesting.Set:
                    var items = value.IsNull ? [] : value.Items;
                    if (items.Length < nested.MinItems)
                    {
                        yield return Diagnostic.Error("Insufficient blocks", $"At least {nested.MinItems} \"{nested.Name}\" block(s) are required.", at);
                    }

                    if (nested.MaxItems > 0 && items.Length > nested.MaxItems)
                    {
                        yield return Diagnostic.Error("Too many blocks", $"No more than {nested.MaxItems} \"{nested.Name}\" block(s) are allowed.", at);
                    }

                    for (var i = 0; i < items.Length; i++)
                    {
                        // Set elements cannot be addressed: diagnostics stop at the set.
                        foreach (var d in ValidateBlock(nested, items[i], nested.Nesting == BlockNesting.List ? at.Index(i) : at))
                        {
                            yield return d;
                        }
                    }

                    break;
                default:
                    if (value.IsNull)
                    {
                        break;
                    }

                    foreach (var (key, item) in value.Fields)
                    {
                        foreach (var d in ValidateBlock(nested, item, at.Key(key)))
                        {
                            yield return d;
                        }
                    }

                    break;
            }
        }
    }
}
