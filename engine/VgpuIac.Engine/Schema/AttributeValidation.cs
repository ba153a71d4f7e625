using System.Collections.Immutable;
using System.Globalization;
using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Resources;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.Schema;

/// <summary>
/// Validation of a configuration object, the one entry point both doors call (<see cref="Validate(IResource, Value)"/>):
/// every attribute's validators (null values and values not wholly known are skipped), then the object's own checks,
/// each diagnostic once. A message never repeats a secret: the values of sensitive attributes, and values marked
/// sensitive (a Pulumi secret), are replaced by <see cref="Redacted"/> in every summary and detail.
/// </summary>
public static class AttributeValidation
{
    /// <summary>What a secret reads as in a diagnostic.</summary>
    public const string Redacted = "(sensitive value)";

    /// <summary>Validators quote at most this many characters of a long value (see <see cref="Validators"/>).</summary>
    private const int QuotedPrefix = 77;

    /// <summary>Validates a resource's configuration: attribute validators, then the resource's own checks.</summary>
    public static IEnumerable<Diagnostic> Validate(IResource resource, Value config) => Validate(resource.Definition, config, resource.Validate);

    /// <summary>Validates a data source's configuration: attribute validators, then the data source's own checks.</summary>
    public static IEnumerable<Diagnostic> Validate(IDataSource dataSource, Value config) => Validate(dataSource.Definition, config, dataSource.Validate);

    /// <summary>Attribute validators, then <paramref name="checks"/> (the object's own rules); redacted, each once.</summary>
    public static IEnumerable<Diagnostic> Validate(ResourceDefinition definition, Value config, Func<Value, IEnumerable<Diagnostic>> checks) =>
        Distinct(Redact(Run(definition, config).Concat(checks(config)), definition, config));

    /// <summary>Every attribute's validators over <paramref name="config"/> (nested blocks too), redacted (for an object's own Validate).</summary>
    public static IEnumerable<Diagnostic> Run(ResourceDefinition definition, Value config) =>
        Redact(RunBlock(definition.Attributes, definition.Blocks, config, AttributePath.Root).ToList(), definition, config);

    private static IEnumerable<Diagnostic> RunBlock(ImmutableArray<AttributeDefinition> attributes, ImmutableArray<BlockDefinition> blocks, Value config, AttributePath path)
    {
        if (!config.IsKnown || config.IsNull || config.Kind != ValueKind.Object)
        {
            return [];
        }

        var own = attributes
            .Where(a => config[a.Name] is { IsNull: false, IsWhollyKnown: true })
            .SelectMany(a => a.Validators.SelectMany(v => v.Validate(config[a.Name], path.Attribute(a.Name))));
        var nested = blocks.SelectMany(b => Instances(b, config[b.Name], path.Attribute(b.Name)).SelectMany(i => RunBlock(b.Attributes, b.Blocks, i.Value, i.Path)));
        return own.Concat(nested);
    }

    /// <summary>Each instance of a nested block in <paramref name="value"/> with its path (set elements cannot be addressed: the set's path).</summary>
    private static IEnumerable<(Value Value, AttributePath Path)> Instances(BlockDefinition block, Value value, AttributePath path)
    {
        if (!value.IsKnown || value.IsNull)
        {
            return [];
        }

        return block.Nesting switch
        {
            BlockNesting.Single when value.Kind == ValueKind.Object => [(value, path)],
            BlockNesting.List when value.Kind is ValueKind.List or ValueKind.Set => value.Items.Select((item, i) => (item, path.Index(i))),
            BlockNesting.Set when value.Kind is ValueKind.List or ValueKind.Set => value.Items.Select(item => (item, path)),
            BlockNesting.Map when value.Kind is ValueKind.Map or ValueKind.Object => value.Fields.Select(f => (f.Value, path.Key(f.Key))),
            _ => [],
        };
    }

    /// <summary>The diagnostics with every secret of <paramref name="config"/> redacted.</summary>
    public static IEnumerable<Diagnostic> Redact(IEnumerable<Diagnostic> diagnostics, ResourceDefinition definition, Value config)
    {
        var secrets = Secrets(definition, config);
        return secrets.Count == 0 ? diagnostics : diagnostics.Select(d => Redact(d, secrets));
    }

    /// <summary>The diagnostic with each of <paramref name="secrets"/> (longest first) replaced by <see cref="Redacted"/>.</summary>
    public static Diagnostic Redact(Diagnostic diagnostic, IReadOnlyCollection<string> secrets)
    {
        var summary = diagnostic.Summary;
        var detail = diagnostic.Detail;
        foreach (var secret in secrets.Where(s => s.Length > 0).OrderByDescending(s => s.Length))
        {
            summary = summary.Replace(secret, Redacted, StringComparison.Ordinal);
            detail = detail.Replace(secret, Redacted, StringComparison.Ordinal);
        }

        return summary == diagnostic.Summary && detail == diagnostic.Detail ? diagnostic : diagnostic with { Summary = summary, Detail = detail };
    }

    /// <summary>The texts a message could quote of the sensitive attributes' values and of values marked sensitive.</summary>
    public static IReadOnlyCollection<string> Secrets(ResourceDefinition definition, Value config)
    {
        var secrets = new HashSet<string>(StringComparer.Ordinal);
        if (!config.IsKnown || config.IsNull || config.Kind != ValueKind.Object)
        {
            return secrets;
        }

        CollectBlock(definition.Attributes, definition.Blocks, config, secrets);
        return secrets;
    }

    private static void CollectBlock(ImmutableArray<AttributeDefinition> attributes, ImmutableArray<BlockDefinition> blocks, Value config, HashSet<string> secrets)
    {
        if (!config.IsKnown || config.IsNull || config.Kind != ValueKind.Object)
        {
            return;
        }

        foreach (var attribute in attributes)
        {
            Collect(config[attribute.Name], attribute.Sensitive, secrets);
        }

        foreach (var block in blocks)
        {
            // values marked sensitive anywhere in the block, then the block's own sensitive attributes
            Collect(config[block.Name], sensitive: false, secrets);
            foreach (var (instance, _) in Instances(block, config[block.Name], AttributePath.Root))
            {
                CollectBlock(block.Attributes, block.Blocks, instance, secrets);
            }
        }
    }

    /// <summary>The texts a message could quote of a value (every leaf of a sensitive attribute, else the marked ones).</summary>
    public static IReadOnlyCollection<string> Secrets(Value value)
    {
        var secrets = new HashSet<string>(StringComparer.Ordinal);
        Collect(value, sensitive: true, secrets);
        return secrets;
    }

    /// <summary>Each diagnostic once (same severity, path, summary and detail).</summary>
    public static IEnumerable<Diagnostic> Distinct(IEnumerable<Diagnostic> diagnostics)
    {
        var seen = new HashSet<(Severity, string, string, string)>();
        return diagnostics.Where(d => seen.Add((d.Severity, d.Path?.ToString() ?? string.Empty, d.Summary, d.Detail)));
    }

    private static void Collect(Value value, bool sensitive, HashSet<string> secrets)
    {
        sensitive |= value.IsSensitive;
        if (!value.IsKnown || value.IsNull)
        {
            return;
        }

        switch (value.Kind)
        {
            case ValueKind.String when sensitive:
                Add(value.AsString(), secrets);
                break;
            case ValueKind.Number when sensitive:
                Add(value.AsNumber().ToString(CultureInfo.InvariantCulture), secrets);
                break;
            case ValueKind.List or ValueKind.Set:
                foreach (var item in value.Items)
                {
                    Collect(item, sensitive, secrets);
                }

                break;
            case ValueKind.Map or ValueKind.Object:
                foreach (var (_, field) in value.Fields)
                {
                    Collect(field, sensitive, secrets);
                }

                break;
            default:
                break;
        }
    }

    /// <summary>The text, its trimmed form, and the prefix a validator quotes of a long text.</summary>
    private static void Add(string text, HashSet<string> secrets)
    {
        foreach (var form in new[] { text, text.Trim(), text.Length > QuotedPrefix + 3 ? text[..QuotedPrefix] : string.Empty })
        {
            if (form.Length > 0)
            {
                secrets.Add(form);
            }
        }
    }
}
