using System.Collections.Frozen;
using VgpuIac.Engine.Catalog;
using VgpuIac.Engine.Resources;
using VgpuIac.Engine.Schema;
using VgpuIac.Pulumi.Component;
using VgpuIac.Pulumi.Model;

namespace VgpuIac.Pulumi.Provider;

/// <summary>Routes Pulumi type tokens to the engine's resources and data sources, generically from the catalog.</summary>
public sealed class ProviderCatalog
{
    public ProviderCatalog(ResourceDefinition provider, IEnumerable<IResource> resources, IEnumerable<IDataSource> dataSources)
    {
        var resourceList = resources.ToList();
        var dataSourceList = dataSources.ToList();
        Provider = PulumiDefinition.For(provider);
        Resources = resourceList.ToFrozenDictionary(r => PulumiDefinition.TokenOf(r.Definition.PulumiName), r => new ResourceRoute(r, PulumiDefinition.For(r.Definition)), StringComparer.Ordinal);
        Functions = dataSourceList.ToFrozenDictionary(d => PulumiDefinition.TokenOf(d.Definition.PulumiName), d => new FunctionRoute(d, PulumiDefinition.For(d.Definition)), StringComparer.Ordinal);
        Component = VgpuNodeShape.From(resourceList, dataSourceList);
        ResourceList = resourceList;
        DataSourceList = dataSourceList;
    }

    public static ProviderCatalog Engine { get; } = new(EngineCatalog.Provider, EngineCatalog.Resources, EngineCatalog.DataSources);

    public PulumiDefinition Provider { get; }

    public FrozenDictionary<string, ResourceRoute> Resources { get; }

    public FrozenDictionary<string, FunctionRoute> Functions { get; }

    public VgpuNodeShape Component { get; }

    public IReadOnlyList<IResource> ResourceList { get; }

    public IReadOnlyList<IDataSource> DataSourceList { get; }

    /// <summary>The resource for a type token, or for the type part of a URN (<c>urn:pulumi:s::p::parent$vgpu:index:Guest::n</c>).</summary>
    public ResourceRoute? FindResource(string type, string urn)
    {
        if (!string.IsNullOrEmpty(type) && Resources.TryGetValue(type, out var byType))
        {
            return byType;
        }

        var token = TypeOfUrn(urn);
        return token is not null && Resources.TryGetValue(token, out var byUrn) ? byUrn : null;
    }

    /// <summary>The type token of a URN: the part after the last <c>$</c> of the type segment.</summary>
    public static string? TypeOfUrn(string urn)
    {
        var parts = (urn ?? string.Empty).Split("::");
        if (parts.Length < 4)
        {
            return null;
        }

        var typeChain = parts[2];
        var dollar = typeChain.LastIndexOf('$');
        return dollar < 0 ? typeChain : typeChain[(dollar + 1)..];
    }
}

public sealed record ResourceRoute(IResource Resource, PulumiDefinition Model);

public sealed record FunctionRoute(IDataSource DataSource, PulumiDefinition Model);
