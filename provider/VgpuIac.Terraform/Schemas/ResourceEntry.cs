using VgpuIac.Engine.Resources;
using VgpuIac.Engine.Schema;
using VgpuIac.Terraform.Cty;

namespace VgpuIac.Terraform.Schemas;

/// <summary>A managed resource type as Terraform sees it: the engine resource plus the door's additions.</summary>
public sealed record ResourceEntry(string TypeName, IResource Resource, BlockDefinition Block, CtyObject Type, bool SyntheticId)
{
    public ResourceDefinition Definition => Resource.Definition;

    public long Version => Resource.Definition.Version;
}
