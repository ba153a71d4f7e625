using VgpuIac.NodeSim;

namespace VgpuIac.Terraform.Tests.EndToEnd;

/// <summary>
/// One thing the tutorial makes by hand on a node, and the VgpuIac resource that manages the same thing: how to make it by
/// hand, the resource block holding the same values, its import id, and what must not change on the node when it is
/// imported and applied (files byte for byte, outputs of read-only commands such as <c>qm config 104</c>).
/// <see cref="TutorialMigrationTests"/> runs a list of these; append a part to cover another resource.
/// </summary>
public sealed record TutorialPart
{
    /// <summary>The resource address, e.g. <c>vgpu_unlock.pve1</c>.</summary>
    public required string Address { get; init; }

    public required string ImportId { get; init; }

    /// <summary>The resource block, with the values the hand-made object has.</summary>
    public required string Hcl { get; init; }

    /// <summary>Makes the object by hand on the node, the way the tutorial does (runs before anything is imported).</summary>
    public required Func<SimulatedNode, Task> MakeByHandAsync { get; init; }

    /// <summary>Attributes that exist only in the configuration (the node cannot tell them); the first plan may set them.</summary>
    public IReadOnlyList<string> ConfigOnly { get; init; } = [];

    /// <summary>Files on the node that must stay byte-identical.</summary>
    public IReadOnlyList<string> Files { get; init; } = [];

    /// <summary>Read-only commands whose output must not change (e.g. <c>qm config 104</c>).</summary>
    public IReadOnlyList<string> Snapshots { get; init; } = [];
}
