using System.Collections.Immutable;

namespace VgpuIac.Terraform.Tests.Convergence;

/// <summary>
/// One configurable attribute's case in the convergence walk: the value it is changed to and what on the node the
/// change may touch (<see cref="NodeSnapshot"/> key patterns). An attribute the walk cannot change on one node says why
/// (<see cref="ExcludedBecause"/>, naming the test that covers it); an attribute with neither fails the suite.
/// </summary>
public sealed record AttributeCase
{
    public required string Attribute { get; init; }

    /// <summary>The new value as an HCL expression (may use the scenario's files).</summary>
    public string? Value { get; init; }

    /// <summary>Snapshot keys the change may alter; everything else on the node must stay as it was.</summary>
    public ImmutableArray<string> Governs { get; init; } = [];

    /// <summary>Attributes set together with this one (HCL expressions), because one cannot change without the other (a
    /// driver file and its checksum); the plan may show them changing too.</summary>
    public ImmutableDictionary<string, string> With { get; init; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>Other configured attributes the plan may show as changing with this one (e.g. a derived default).</summary>
    public ImmutableArray<string> AlsoPlanned { get; init; } = [];

    /// <summary>The value is what the node already has (e.g. an optional attribute set to what was computed): the plan must be empty.</summary>
    public bool PlansNothing { get; init; }

    /// <summary>After the case converged, the attribute goes back to its previous value (also applied and checked), because
    /// later cases need it (e.g. <c>reboot = "never"</c> would stop the move onto a fresh node).</summary>
    public bool RevertAfter { get; init; }

    /// <summary>Why the single-node walk does not change this attribute, and which test covers it instead.</summary>
    public string? ExcludedBecause { get; init; }

    public static AttributeCase Change(string attribute, string value, params string[] governs) =>
        new() { Attribute = attribute, Value = value, Governs = [.. governs] };

    public static AttributeCase Excluded(string attribute, string because) => new() { Attribute = attribute, ExcludedBecause = because };
}
