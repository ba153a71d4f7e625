using VgpuIac.Pulumi.Model;

namespace VgpuIac.Pulumi.Component;

/// <summary>
/// One kind of child resource the <c>VgpuNode</c> component can register: the component input that describes it,
/// the custom resource it becomes, whether the input is a list, and the suffix of the child's name.
/// </summary>
public sealed record ChildKind
{
    /// <summary>camelCase component input, e.g. <c>hostDriver</c> or <c>guests</c>.</summary>
    public required string InputName { get; init; }

    public required PulumiDefinition Resource { get; init; }

    public required bool IsList { get; init; }

    /// <summary>Child name suffix: <c>&lt;component&gt;-driver</c>, or <c>&lt;component&gt;-guest-&lt;key&gt;</c> for list items.</summary>
    public required string NameSuffix { get; init; }

    /// <summary>The input type token of one item: the resource's inputs without <c>node</c> (the component's node applies).</summary>
    public required PulumiObject ItemShape { get; init; }
}
