namespace VgpuIac.Engine.Guests;

/// <summary>What a create finds at its vmid.</summary>
internal enum ExistingVm
{
    /// <summary>No VM there: create it.</summary>
    None,

    /// <summary>The VM this create replaces (destroyed first): plan as a create.</summary>
    BeingReplaced,

    /// <summary>A VM with VgpuIac's tag left by a create that was interrupted before it reached any state: finish it, do not create another.</summary>
    Ours,

    /// <summary>A VM with VgpuIac's tag that another apply is creating right now: refuse (it will be that apply's).</summary>
    BeingCreated,

    /// <summary>A VM with VgpuIac's tag that the apply which made it handed to its state (another state's): refuse and point at import.</summary>
    OtherState,

    /// <summary>Someone else's VM: refuse and point at import.</summary>
    Stranger,
}
