using VgpuIac.Engine.Resources;
using VgpuIac.Engine.Schema;
using VgpuIac.Terraform.Cty;

namespace VgpuIac.Terraform.Schemas;

/// <summary>A data source type as Terraform sees it.</summary>
public sealed record DataSourceEntry(string TypeName, IDataSource DataSource, BlockDefinition Block, CtyObject Type)
{
    public ResourceDefinition Definition => DataSource.Definition;
}
