namespace VgpuIac.Engine.Schema;

/// <summary>How many instances of a nested block configuration may hold.</summary>
public enum BlockNesting
{
    /// <summary>At most one block (a nested object in Pulumi).</summary>
    Single,
    /// <summary>An ordered list of blocks.</summary>
    List,
    /// <summary>An unordered set of blocks.</summary>
    Set,

    /// <summary>Labelled blocks, e.g. <c>node "pve1" { ... }</c>; a map of objects in Pulumi.</summary>
    Map,
}
