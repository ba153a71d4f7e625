namespace VgpuIac.Engine.Resources;

/// <summary>What the node says about a VgpuIac create at a vmid (<see cref="CreationClaim"/>).</summary>
internal enum CreationStatus
{
    /// <summary>No create left its claim there: an object with our mark was handed to a state by the apply that made it.</summary>
    None,

    /// <summary>Another apply is creating the object right now (it holds the claim's lock).</summary>
    InProgress,

    /// <summary>A create was interrupted before it handed the object to any state (its claim is still there, its lock free).</summary>
    Abandoned,
}
