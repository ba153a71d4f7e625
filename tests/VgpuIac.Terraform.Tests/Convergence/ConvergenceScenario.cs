using System.Collections.Immutable;
using VgpuIac.Engine.Schema;
using VgpuIac.NodeSim;

namespace VgpuIac.Terraform.Tests.Convergence;

/// <summary>
/// One resource's convergence walk: a node prepared the way the resource expects, a base configuration, and a case for
/// every configurable attribute of the resource's schema (<see cref="AttributeCase"/>). The walk runs on two simulated
/// nodes, <c>pve1</c> and <c>pve2</c>, both prepared, so that <c>node</c> can be changed too.
/// </summary>
public abstract class ConvergenceScenario
{
    /// <summary>The engine's definition of the resource (its attributes are the cases to cover).</summary>
    public abstract ResourceDefinition Definition { get; }

    public string ResourceType => "vgpu_" + Definition.Name;

    public string Address => ResourceType + ".c";

    public virtual NodeOptions NodeOptions(string hostname) => new() { Hostname = hostname, RebootDelay = 0.5 };

    /// <summary>What the node needs before the resource can be created (e.g. the host driver installed by hand).</summary>
    public virtual Task PrepareAsync(SimulatedNode node, string files) => Task.CompletedTask;

    /// <summary>The base configuration: attribute name to HCL expression.</summary>
    public abstract ImmutableDictionary<string, string> BaseAttributes(string files);

    /// <summary>One case per configurable attribute, in the order the walk applies them (each on top of the previous).</summary>
    public abstract ImmutableArray<AttributeCase> Cases(string files);

    /// <summary>Attributes a case removes from the configuration when it sets its own (e.g. one target replaces another).</summary>
    public virtual ImmutableArray<string> Removes(string attribute) => [];

    /// <summary>
    /// A command the create runs on the node (an extended regex over the simulated node's command text), failed once to
    /// break a create midway: the object is then tainted or half-made, and a plain apply must finish the job.
    /// </summary>
    public abstract string FailOnceDuringCreate { get; }

    /// <summary>The node attribute's case: the object moves to the other node (a replacement; everything of it may change).</summary>
    protected static AttributeCase MoveToOtherNode => AttributeCase.Change("node", "\"pve2\"", "*");

    public override string ToString() => ResourceType;
}
