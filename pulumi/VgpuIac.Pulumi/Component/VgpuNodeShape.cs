using System.Collections.Immutable;
using VgpuIac.Engine.Catalog;
using VgpuIac.Engine.Nodes;
using VgpuIac.Engine.Resources;
using VgpuIac.Engine.Schema;
using VgpuIac.Pulumi.Model;

namespace VgpuIac.Pulumi.Component;

/// <summary>
/// The inputs and outputs of the <c>vgpu:index:VgpuNode</c> component, derived from the catalog: one input per
/// child kind that exists (host driver, unlock, profile overrides, licence server, guests), the node, and outputs
/// for the node's facts, the licence server URL and each guest's licence status.
/// </summary>
public sealed record VgpuNodeShape
{
    public const string TypeName = "VgpuNode";

    public const string NodeInput = "node";

    /// <summary>Optional field of list items: the suffix of the child's name (defaults to the item's vmid, name or position).</summary>
    public const string ResourceNameField = "resource_name";

    public const string NodeFactsOutput = "node_facts";

    public const string LicenseServerUrlOutput = "license_server_url";

    public const string GuestLicenseStatusesOutput = "guest_license_statuses";

    public const string NodeFactsFunction = "getNode";

    private static readonly (string Resource, string Input, bool IsList, string Suffix)[] Layout =
    [
        ("host_driver", "host_driver", false, "driver"),
        ("unlock", "unlock", false, "unlock"),
        ("profile_override", "profile_overrides", true, "override"),
        ("dls_license_server", "license_server", false, "dls"),
        ("guest", "guests", true, "guest"),
    ];

    public static string Token => PulumiDefinition.TokenOf(TypeName);

    public required ImmutableArray<ChildKind> Children { get; init; }

    public required PulumiObject Inputs { get; init; }

    public required PulumiObject Outputs { get; init; }

    /// <summary>The node facts function (the <c>vgpu_node</c> data source), when the catalog has it.</summary>
    public PulumiDefinition? NodeFacts { get; init; }

    /// <summary>The guest attribute holding its licence status, when guests exist and have one.</summary>
    public string? GuestLicenseStatusAttribute { get; init; }

    public static VgpuNodeShape FromCatalog() => From(EngineCatalog.Resources, EngineCatalog.DataSources);

    public static VgpuNodeShape From(IEnumerable<IResource> resources, IEnumerable<IDataSource> dataSources)
    {
        var byName = resources.ToDictionary(r => r.Definition.Name, r => r.Definition, StringComparer.Ordinal);
        var children = ImmutableArray.CreateBuilder<ChildKind>();
        var inputs = new List<PulumiProperty>
        {
            new()
            {
                Name = NodeInput,
                Type = new PulumiPrimitive(PrimitiveKind.String),
                Description = ProviderSchema.NodeAttribute.Description + " Applies to every child resource.",
            },
        };
        foreach (var (resourceName, input, isList, suffix) in Layout)
        {
            if (!byName.TryGetValue(resourceName, out var definition))
            {
                continue;
            }

            var resource = PulumiDefinition.For(definition);
            var itemToken = PulumiDefinition.TokenOf(TypeName + Model.PulumiType.PascalOf(input, singular: isList));
            var itemProperties = resource.Inputs.Where(p => p.Name != ProviderSchema.NodeAttribute.Name).ToList();
            if (isList)
            {
                itemProperties.Add(new PulumiProperty
                {
                    Name = ResourceNameField,
                    Type = new PulumiPrimitive(PrimitiveKind.String),
                    Description = $"Suffix of this child's resource name (`<component>-{suffix}-<suffix>`). Defaults to the item's `vmid` or `name`, else its position. Keep it stable: a new name replaces the resource.",
                });
            }

            var itemShape = new PulumiObject([.. itemProperties], itemToken);
            children.Add(new ChildKind { InputName = PropertyValues.PropertyNames.ToCamel(input), Resource = resource, IsList = isList, NameSuffix = suffix, ItemShape = itemShape });
            inputs.Add(new PulumiProperty
            {
                Name = input,
                Type = isList ? new PulumiArray(itemShape, IsSet: false) : itemShape,
                Description = $"{(isList ? "Each item becomes" : "Becomes")} a child `{resource.Token}` on the node. {FirstSentence(definition.Description)}",
            });
        }

        var nodeFactsSource = dataSources.FirstOrDefault(d => d.Definition.PulumiName == NodeFactsFunction);
        PulumiDefinition? nodeFacts = nodeFactsSource is null ? null : PulumiDefinition.For(nodeFactsSource.Definition);
        var outputs = new List<PulumiProperty>
        {
            new() { Name = NodeInput, Type = new PulumiPrimitive(PrimitiveKind.String), Description = "The node the children were placed on (as given)." },
        };
        if (nodeFacts is not null)
        {
            outputs.Add(new PulumiProperty
            {
                Name = NodeFactsOutput,
                Type = nodeFacts.Shape with { TypeName = PulumiDefinition.TokenOf(TypeName + "Facts") },
                Description = $"What the node reports ({nodeFacts.Token}): GPUs, driver, kernel and vGPU types.",
            });
        }

        if (byName.TryGetValue("dls_license_server", out var dls) && dls.FindAttribute("url") is not null)
        {
            outputs.Add(new PulumiProperty { Name = LicenseServerUrlOutput, Type = new PulumiPrimitive(PrimitiveKind.String), Description = "URL of the licence server, when `licenseServer` is set." });
        }

        string? statusAttribute = null;
        if (byName.TryGetValue("guest", out var guest))
        {
            statusAttribute = guest.Attributes.FirstOrDefault(a => a.IsComputed && a.Type == AttrType.String && a.Name.Contains("licen", StringComparison.Ordinal) && (a.Name.Contains("status", StringComparison.Ordinal) || a.Name.Contains("state", StringComparison.Ordinal)))?.Name;
            if (statusAttribute is not null)
            {
                outputs.Add(new PulumiProperty
                {
                    Name = GuestLicenseStatusesOutput,
                    Type = new PulumiMap(new PulumiPrimitive(PrimitiveKind.String)),
                    Description = $"Licence status of each guest (`{PropertyValues.PropertyNames.ToCamel(statusAttribute)}`), keyed by the guest's child resource name.",
                });
            }
        }

        return new VgpuNodeShape
        {
            Children = children.ToImmutable(),
            Inputs = new PulumiObject([.. inputs], Token),
            Outputs = new PulumiObject([.. outputs], Token),
            NodeFacts = nodeFacts,
            GuestLicenseStatusAttribute = statusAttribute,
        };
    }

    private static string FirstSentence(string markdown)
    {
        var end = markdown.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? markdown : markdown[..(end + 1)];
    }
}
