using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Resources;
using VgpuIac.Engine.Schema;
using VgpuIac.Engine.Values;

namespace VgpuIac.Pulumi.Tests.Support;

/// <summary>A resource or data source that only has a definition: for rendering tests of shapes the catalog may not have yet.</summary>
public sealed class DefinitionOnly(ResourceDefinition definition) : IResource, IDataSource
{
    public ResourceDefinition Definition { get; } = definition;

    public IEnumerable<Diagnostic> Validate(Value config) => [];

    public Task<PlanResult> PlanAsync(PlanRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<ApplyResult> ApplyAsync(ApplyRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<ReadResult> ReadAsync(ReadRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<ImportResult> ImportAsync(ImportRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<DataSourceReadResult> ReadAsync(DataSourceReadRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

    /// <summary>Definitions of every child kind the component knows, plus the node-facts function, with nested shapes.</summary>
    public static (IReadOnlyList<IResource> Resources, IReadOnlyList<IDataSource> DataSources) SampleCatalog()
    {
        static ResourceDefinition R(string name, string pulumiName, params AttributeDefinition[] attributes) => new()
        {
            Name = name,
            PulumiName = pulumiName,
            Kind = ObjectKind.Resource,
            Description = $"The {name}. Second sentence.",
            ImportIdFormat = "<node>/x",
            Attributes = [Attr.Computed("id", AttrType.String, "id"), Engine.Nodes.ProviderSchema.NodeAttribute, .. attributes],
        };

        IResource[] resources =
        [
            new DefinitionOnly(R("host_driver", "HostDriver", Attr.Required("version", AttrType.String, "v") with { ForcesReplacement = true }, Attr.Computed("kernel", AttrType.String, "k"))),
            new DefinitionOnly(R("unlock", "Unlock", Attr.WithDefault("enabled", AttrType.Bool, Value.True, "e"))),
            new DefinitionOnly(R("profile_override", "ProfileOverride", Attr.Required("profile", AttrType.String, "p"), Attr.Optional("settings", AttrType.MapOf(AttrType.String), "s"))),
            new DefinitionOnly(R("dls_license_server", "DlsLicenseServer", Attr.Required("dls_url", AttrType.String, "u"), Attr.Computed("url", AttrType.String, "u"), Attr.Computed("client_token", AttrType.String, "t") with { Sensitive = true })),
            new DefinitionOnly(R("guest", "Guest",
                Attr.Required("vmid", AttrType.Number, "v"),
                Attr.Optional("license_token", AttrType.String, "t") with { Sensitive = true },
                Attr.Computed("license_status", AttrType.String, "s"),
                Attr.Optional("gpus", AttrType.ListOf(AttrType.ObjectOf(new ObjectField("mdev_type", AttrType.String), new ObjectField("slot", AttrType.Number, Optional: true))), "g") with { ForcesReplacement = true }) with { DeleteBeforeReplace = true }),
        ];
        IDataSource[] dataSources =
        [
            new DefinitionOnly(new ResourceDefinition
            {
                Name = "vgpu_node",
                PulumiName = "getNode",
                Kind = ObjectKind.DataSource,
                Description = "Facts of a node.",
                Attributes =
                [
                    Attr.Optional("node", AttrType.String, "n"),
                    Attr.Computed("kernel", AttrType.String, "k"),
                    Attr.Computed("gpus", AttrType.ListOf(AttrType.ObjectOf(new ObjectField("pci_address", AttrType.String), new ObjectField("vgpu_types", AttrType.ListOf(AttrType.String)))), "g"),
                ],
            }),
        ];
        return (resources, dataSources);
    }
}
