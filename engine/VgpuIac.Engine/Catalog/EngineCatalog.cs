using System.Collections.Immutable;
using VgpuIac.Engine.Nodes;
using VgpuIac.Engine.Resources;
using VgpuIac.Engine.Schema;

namespace VgpuIac.Engine.Catalog;

/// <summary>
/// Every resource and data source the engine offers, in an explicit list (no reflection scanning, AOT-safe).
/// Both doors and the docs generator render from here.
/// </summary>
public static class EngineCatalog
{
    /// <summary>The provider configuration block (the nodes and how to reach them).</summary>
    public static ResourceDefinition Provider => ProviderSchema.Definition;

    /// <summary>The resources, in the order the docs list them.</summary>
    public static ImmutableArray<IResource> Resources { get; } =
    [
        new Licensing.DlsLicenseServerResource(),
        new Guests.GuestResource(),
        new HostDriver.HostDriverResource(),
        new ProfileOverride.ProfileOverrideResource(),
        new Unlock.UnlockResource(),
    ];

    /// <summary>The data sources.</summary>
    public static ImmutableArray<IDataSource> DataSources { get; } =
    [
        new NodeInfo.NodeDataSource(),
    ];
}
