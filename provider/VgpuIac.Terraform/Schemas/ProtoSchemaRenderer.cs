using Google.Protobuf;
using VgpuIac.Engine.Schema;
using VgpuIac.Terraform.Cty;
using VgpuIac.Terraform.Protocol;

namespace VgpuIac.Terraform.Schemas;

/// <summary>Renders a block as a tfplugin6 <see cref="Schema"/> (descriptions are markdown).</summary>
public static class ProtoSchemaRenderer
{
    public static Schema Render(BlockDefinition block, long version) => new()
    {
        Version = version,
        Block = RenderBlock(block, version),
    };

    private static Schema.Types.Block RenderBlock(BlockDefinition block, long version)
    {
        var rendered = new Schema.Types.Block
        {
            Version = version,
            Description = block.Description,
            DescriptionKind = StringKind.Markdown,
        };
        rendered.Attributes.AddRange(block.Attributes.Select(RenderAttribute));
        rendered.BlockTypes.AddRange(block.Blocks.Select(b => new Schema.Types.NestedBlock
        {
            TypeName = b.Name,
            Block = RenderBlock(b, 0),
            Nesting = b.Nesting switch
            {
                BlockNesting.Single => Schema.Types.NestedBlock.Types.NestingMode.Single,
                BlockNesting.List => Schema.Types.NestedBlock.Types.NestingMode.List,
                BlockNesting.Set => Schema.Types.NestedBlock.Types.NestingMode.Set,
                BlockNesting.Map => Schema.Types.NestedBlock.Types.NestingMode.Map,
                _ => throw new ArgumentOutOfRangeException(nameof(block), b.Nesting, "unsupported nesting"),
            },
            MinItems = b.Nesting switch
            {
                BlockNesting.Map => 0,
                BlockNesting.Single => b.MinItems > 0 ? 1 : 0,
                _ => b.MinItems,
            },
            MaxItems = b.Nesting switch
            {
                BlockNesting.Map => 0,
                BlockNesting.Single => b.MinItems > 0 ? 1 : 0,
                _ => b.MaxItems,
            },
        }));
        return rendered;
    }

    private static Schema.Types.Attribute RenderAttribute(AttributeDefinition attribute) => new()
    {
        Name = attribute.Name,
        Type = ByteString.CopyFrom(CtyTypeJson.ToUtf8(TerraformType.Of(attribute.Type))),
        Description = DescriptionWithValidators(attribute),
        DescriptionKind = StringKind.Markdown,
        Required = attribute.IsRequired,
        Optional = attribute.IsOptional,
        Computed = attribute.IsComputed,
        Sensitive = attribute.Sensitive,
        Deprecated = attribute.Deprecation is not null,
        DeprecationMessage = attribute.Deprecation ?? "",
    };

    private static string DescriptionWithValidators(AttributeDefinition attribute)
    {
        var parts = new List<string> { attribute.Description };
        parts.AddRange(attribute.Validators.Select(v => v.Description).Where(d => !string.IsNullOrWhiteSpace(d)));
        if (attribute.Default is not null)
        {
            parts.Add($"Defaults to `{attribute.Default}`.");
        }

        return string.Join(" ", parts);
    }
}
