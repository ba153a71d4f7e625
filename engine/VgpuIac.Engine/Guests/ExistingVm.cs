namespace VgpuIac.Engine.Guests;

/// <summary>What a create finds at its vmid.</summary>
public enum ExistingVm
{
    /// <summary>No VM there: create it.</summary>
    None,

    /// <summary>The VM this create replaces (destroyed first): plan as a create.</summary>
    BeingReplaced,

    /// <summary>A VM with VgpuIac's tag and no state (an interrupted or failed create): finish it, do not create another.</summary>
    Ours,

    /// <summary>Someone else's VM: refuse and point at import.</summary>
    Stranger,
}
