using System.Text;
using VgpuIac.Engine.Schema;
using VgpuIac.Terraform.Schemas;

namespace VgpuIac.Terraform.Docs;

/// <summary>
/// Registry-layout documentation (tfplugindocs conventions) rendered from the engine definitions:
/// <c>index.md</c>, <c>resources/&lt;name&gt;.md</c>, <c>data-sources/&lt;name&gt;.md</c>. Pure: examples are passed in.
/// </summary>
public static class DocsRenderer
{
    /// <summary>Relative path → markdown. <paramref name="readExample"/> returns an example file's text or null.</summary>
    public static IReadOnlyDictionary<string, string> Render(TerraformCatalog catalog, Func<string, string?> readExample)
    {
        var pages = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["index.md"] = ProviderPage(catalog, readExample),
        };
        foreach (var entry in catalog.Resources.Values.Where(e => e.TypeName == TerraformCatalog.PrimaryTypeName(e.Definition)))
        {
            pages[$"resources/{entry.Definition.Name}.md"] = ObjectPage(entry.TypeName, "Resource", entry.Definition, entry.Block, readExample, "resources", "resource.tf");
        }

        foreach (var entry in catalog.DataSources.Values.Where(e => e.TypeName == TerraformCatalog.PrimaryTypeName(e.Definition)))
        {
            pages[$"data-sources/{entry.Definition.Name}.md"] = ObjectPage(entry.TypeName, "Data Source", entry.Definition, entry.Block, readExample, "data-sources", "data-source.tf");
        }

        return pages;
    }

    private static string ProviderPage(TerraformCatalog catalog, Func<string, string?> readExample)
    {
        var sb = new StringBuilder();
        FrontMatter(sb, "vgpu Provider", "", catalog.ProviderDefinition.Description);
        sb.Append("# vgpu Provider\n\n").Append(catalog.ProviderDefinition.Description.Trim()).Append("\n\n");
        if (readExample("provider/provider.tf") is { } example)
        {
            sb.Append("## Example Usage\n\n```terraform\n").Append(example.TrimEnd()).Append("\n```\n\n");
        }

        sb.Append("## Resources and data sources\n\n");
        foreach (var name in catalog.Resources.Keys.Order(StringComparer.Ordinal))
        {
            var entry = catalog.Resources[name];
            var primary = TerraformCatalog.PrimaryTypeName(entry.Definition);
            sb.Append("- [`").Append(name).Append("`](resources/").Append(entry.Definition.Name).Append(".md)");
            sb.Append(name == primary ? "" : $" (alias of `{primary}`{(name.StartsWith("vgpu_", StringComparison.Ordinal) ? "" : "; set `provider = vgpu` in the block")})").Append('\n');
        }

        foreach (var name in catalog.DataSources.Keys.Order(StringComparer.Ordinal))
        {
            sb.Append("- data [`").Append(name).Append("`](data-sources/").Append(catalog.DataSources[name].Definition.Name).Append(".md)\n");
        }

        sb.Append('\n');
        Schema(sb, catalog.ProviderBlock);
        return sb.ToString();
    }

    private static string ObjectPage(string typeName, string kind, ResourceDefinition definition, BlockDefinition block, Func<string, string?> readExample, string folder, string exampleFile)
    {
        var sb = new StringBuilder();
        FrontMatter(sb, $"{typeName} {kind} - vgpu", "", definition.Description);
        sb.Append("# ").Append(typeName).Append(" (").Append(kind).Append(")\n\n").Append(definition.Description.Trim()).Append("\n\n");
        var aliases = TerraformCatalog.TypeNames(definition).Skip(1).ToList();
        if (aliases.Count > 0)
        {
            sb.Append("Also available as ").Append(string.Join(", ", aliases.Select(a => $"`{a}`")))
              .Append(" (a name without the `vgpu_` prefix needs `provider = vgpu` in the block).\n\n");
        }

        if (Example(readExample, folder, typeName, definition.Name, exampleFile) is { } example)
        {
            sb.Append("## Example Usage\n\n```terraform\n").Append(example.TrimEnd()).Append("\n```\n\n");
        }

        Schema(sb, block);
        if (folder == "resources" && (definition.ImportIdFormat is not null || Example(readExample, folder, typeName, definition.Name, "import.sh") is not null))
        {
            sb.Append("## Import\n\n");
            if (definition.ImportIdFormat is { } idFormat)
            {
                sb.Append("The import ID has the form `").Append(idFormat).Append("`.\n\n");
            }

            sb.Append("```shell\n");
            sb.Append(Example(readExample, folder, typeName, definition.Name, "import.sh")?.TrimEnd() ?? $"terraform import {typeName}.example '{IdExample(definition.ImportIdFormat)}'");
            sb.Append("\n```\n\nOr with an `import` block (Terraform 1.5+):\n\n```terraform\nimport {\n  to = ").Append(typeName)
              .Append(".example\n  id = \"").Append(IdExample(definition.ImportIdFormat)).Append("\"\n}\n```\n");
        }

        return sb.ToString();

        static string IdExample(string? f) => f ?? "<id>";
    }

    private static string? Example(Func<string, string?> readExample, string folder, string typeName, string name, string file) =>
        readExample($"{folder}/{typeName}/{file}") ?? readExample($"{folder}/{name}/{file}");

    private static void FrontMatter(StringBuilder sb, string title, string subcategory, string description)
    {
        sb.Append("---\n");
        sb.Append("page_title: \"").Append(title).Append("\"\n");
        sb.Append("subcategory: \"").Append(subcategory).Append("\"\n");
        sb.Append("description: |-\n");
        foreach (var line in FirstParagraph(description).Split('\n'))
        {
            sb.Append("  ").Append(line).Append('\n');
        }

        sb.Append("---\n\n");
    }

    private static string FirstParagraph(string text)
    {
        var trimmed = text.Trim();
        var end = trimmed.IndexOf("\n\n", StringComparison.Ordinal);
        return end < 0 ? trimmed : trimmed[..end];
    }

    private static void Schema(StringBuilder sb, BlockDefinition block)
    {
        sb.Append("## Schema\n\n");
        var nested = new List<(string Anchor, string Title, BlockDefinition Block)>();
        Members(sb, block, "", nested);
        for (var i = 0; i < nested.Count; i++)
        {
            var (anchor, title, inner) = nested[i];
            sb.Append("<a id=\"").Append(anchor).Append("\"></a>\n### Nested Schema for `").Append(title).Append("`\n\n");
            if (!string.IsNullOrWhiteSpace(inner.Description))
            {
                sb.Append(inner.Description.Trim()).Append("\n\n");
            }

            Members(sb, inner, title + ".", nested);
        }
    }

    private static void Members(StringBuilder sb, BlockDefinition block, string prefix, List<(string, string, BlockDefinition)> nested)
    {
        var groups = new (string Title, Func<AttributeDefinition, bool> Filter, Func<BlockDefinition, bool> BlockFilter)[]
        {
            ("Required", a => a.IsRequired, b => b.MinItems > 0),
            ("Optional", a => a.IsOptional, b => b.MinItems == 0),
            ("Read-Only", a => a.Mode == AttributeMode.Computed, _ => false),
        };
        foreach (var (title, filter, blockFilter) in groups)
        {
            var attributes = block.Attributes.Where(filter).OrderBy(a => a.Name, StringComparer.Ordinal).ToList();
            var blocks = block.Blocks.Where(blockFilter).OrderBy(b => b.Name, StringComparer.Ordinal).ToList();
            if (attributes.Count == 0 && blocks.Count == 0)
            {
                continue;
            }

            sb.Append("### ").Append(title).Append("\n\n");
            foreach (var attribute in attributes)
            {
                sb.Append("- `").Append(attribute.Name).Append("` (").Append(TypeName(attribute.Type));
                if (attribute.Sensitive)
                {
                    sb.Append(", Sensitive");
                }

                if (attribute.Deprecation is not null)
                {
                    sb.Append(", Deprecated");
                }

                sb.Append(") ").Append(OneLine(attribute.Description));
                foreach (var validator in attribute.Validators)
                {
                    sb.Append(' ').Append(OneLine(validator.Description));
                }

                if (attribute.Default is not null)
                {
                    sb.Append(" Defaults to `").Append(attribute.Default).Append("`.");
                }

                if (attribute.ForcesReplacement)
                {
                    sb.Append(" Changing it replaces the object.");
                }

                if (attribute.Deprecation is not null)
                {
                    sb.Append(" **Deprecated:** ").Append(OneLine(attribute.Deprecation));
                }

                sb.Append('\n');
            }

            foreach (var inner in blocks)
            {
                var path = prefix + inner.Name;
                var anchor = "nestedblock--" + path.Replace('.', '-');
                var nesting = inner.Nesting switch
                {
                    BlockNesting.Single => "Block",
                    BlockNesting.List => "Block List",
                    BlockNesting.Set => "Block Set",
                    _ => "Block Map, keyed by label",
                };
                var limits = inner.MaxItems > 0 ? $", Max: {inner.MaxItems}" : "";
                var minimum = inner.MinItems > 0 ? $", Min: {inner.MinItems}" : "";
                sb.Append("- `").Append(inner.Name).Append("` (").Append(nesting).Append(minimum).Append(limits).Append(") ")
                  .Append(OneLine(inner.Description)).Append(" (see [below for nested schema](#").Append(anchor).Append("))\n");
                nested.Add((anchor, path, inner));
            }

            sb.Append('\n');
        }
    }

    private static string OneLine(string text) => text.Trim().Replace("\n\n", " ", StringComparison.Ordinal).Replace('\n', ' ');

    private static string TypeName(AttrType type) => type switch
    {
        PrimitiveType { Kind: PrimitiveKind.String } => "String",
        PrimitiveType { Kind: PrimitiveKind.Number } => "Number",
        PrimitiveType { Kind: PrimitiveKind.Bool } => "Boolean",
        DynamicType => "Dynamic",
        ListType l => "List of " + TypeName(l.Element),
        SetType s => "Set of " + TypeName(s.Element),
        MapType m => "Map of " + TypeName(m.Element),
        ObjectType o => "Object (" + string.Join(", ", o.Fields.Select(f => $"{f.Name}: {TypeName(f.Type)}{(f.Optional ? " (optional)" : "")}")) + ")",
        _ => "Unknown",
    };
}
