namespace VgpuIac.Engine.Schema;

/// <summary>What a <see cref="ResourceDefinition"/> describes.</summary>
public enum ObjectKind
{
    /// <summary>The provider's own configuration.</summary>
    Provider,
    /// <summary>A managed resource: created, updated and deleted on the node.</summary>
    Resource,
    /// <summary>A data source: read only.</summary>
    DataSource,
}
