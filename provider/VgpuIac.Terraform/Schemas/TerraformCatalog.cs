using System.Collections.Frozen;
using VgpuIac.Engine.Resources;
using VgpuIac.Engine.Schema;
using VgpuIac.Terraform.Cty;

namespace VgpuIac.Terraform.Schemas;

/// <summary>
/// The engine's definitions rendered for Terraform: type names <c>vgpu_&lt;name&gt;</c>, aliases, the provider block.
/// An alias answers as written (e.g. the bare <c>dls_license_server</c>, which needs <c>provider = vgpu</c> in the
/// resource block because Terraform infers the provider from the type name's prefix) and as <c>vgpu_&lt;alias&gt;</c>.
/// </summary>
public sealed class TerraformCatalog
{
    public const string ProviderTypeName = "vgpu";

    public TerraformCatalog(ResourceDefinition provider, IEnumerable<IResource> resources, IEnumerable<IDataSource> dataSources, StateUpgraders? upgraders = null)
    {
        ProviderDefinition = provider;
        Upgraders = upgraders ?? StateUpgraders.Shipped;
        ProviderBlock = ToBlock(provider);
        ProviderType = TerraformType.Of(ProviderBlock);

        var resourceEntries = new Dictionary<string, ResourceEntry>(StringComparer.Ordinal);
        foreach (var resource in resources)
        {
            var definition = resource.Definition;
            if (Upgraders.MissingSteps(definition) is { Count: > 0 } missing)
            {
                throw new InvalidOperationException(
                    $"{PrimaryTypeName(definition)} is at schema version {definition.Version} but has no state upgrader from version(s) {string.Join(", ", missing)}: add them to StateUpgraders.");
            }

            var syntheticId = definition.FindAttribute(DoorAttributes.IdAttributeName) is null;
            var block = ToBlock(definition) with
            {
                Attributes = syntheticId ? [DoorAttributes.IdAttribute(definition.ImportIdFormat), .. definition.Attributes] : definition.Attributes,
                Blocks = [.. definition.Blocks, DoorAttributes.TimeoutsBlock],
            };
            var type = TerraformType.Of(block);
            foreach (var name in TypeNames(definition))
            {
                resourceEntries.Add(name, new ResourceEntry(name, resource, block, type, syntheticId));
            }
        }

        var dataSourceEntries = new Dictionary<string, DataSourceEntry>(StringComparer.Ordinal);
        foreach (var dataSource in dataSources)
        {
            var block = ToBlock(dataSource.Definition);
            var type = TerraformType.Of(block);
            foreach (var name in TypeNames(dataSource.Definition))
            {
                dataSourceEntries.Add(name, new DataSourceEntry(name, dataSource, block, type));
            }
        }

        Resources = resourceEntries.ToFrozenDictionary(StringComparer.Ordinal);
        DataSources = dataSourceEntries.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public ResourceDefinition ProviderDefinition { get; }

    /// <summary>The stored-state upgraders of every resource (complete: checked when the catalog is built).</summary>
    public StateUpgraders Upgraders { get; }

    public BlockDefinition ProviderBlock { get; }

    public CtyObject ProviderType { get; }

    public FrozenDictionary<string, ResourceEntry> Resources { get; }

    public FrozenDictionary<string, DataSourceEntry> DataSources { get; }

    /// <summary>
    /// <c>vgpu_&lt;name&gt;</c>, then each alias as written (a bare name such as <c>dls_license_server</c>, usable with
    /// <c>provider = vgpu</c>) and with the <c>vgpu_</c> prefix; duplicates once.
    /// </summary>
    public static IEnumerable<string> TypeNames(ResourceDefinition definition)
    {
        var names = new List<string> { PrimaryTypeName(definition) };
        foreach (var alias in definition.Aliases)
        {
            var prefixed = alias.StartsWith(ProviderTypeName + "_", StringComparison.Ordinal) ? alias : $"{ProviderTypeName}_{alias}";
            foreach (var name in new[] { alias, prefixed })
            {
                if (!names.Contains(name))
                {
                    names.Add(name);
                }
            }
        }

        return names;
    }

    public static string PrimaryTypeName(ResourceDefinition definition) => $"{ProviderTypeName}_{definition.Name}";

    /// <summary>A definition as a root block (the shape every schema walk works on).</summary>
    public static BlockDefinition ToBlock(ResourceDefinition definition) => new()
    {
        Name = definition.Name,
        Description = definition.Description,
        Nesting = BlockNesting.Single,
        Attributes = definition.Attributes,
        Blocks = definition.Blocks,
    };
}
