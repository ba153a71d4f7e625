namespace VgpuIac.Engine.Schema;

public enum BlockNesting
{
    Single,
    List,
    Set,

    /// <summary>Labelled blocks, e.g. <c>node "pve1" { ... }</c>; a map of objects in Pulumi.</summary>
    Map,
}
