using VgpuIac.Engine.Host;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.HostDriver;

/// <summary>Model conversion for <c>vgpu_host_driver</c> state values.</summary>
internal static class HostDriverState
{
    /// <summary>
    /// The state after looking at the node: the user's attributes from <paramref name="basis"/> (config or prior state) with
    /// node, id, version, installer_sha256 resolved and the computed attributes from <paramref name="facts"/>.
    /// </summary>
    public static Value From(Value basis, NodeFacts facts, string? version, string? sha256, bool rebootPlanned)
    {
        ArgumentNullException.ThrowIfNull(basis);
        ArgumentNullException.ThrowIfNull(facts);
        var fields = HostDriverSchema.Definition.Attributes.ToDictionary(a => a.Name, a => Known(basis[a.Name], a.Default), StringComparer.Ordinal);
        fields["node"] = Value.String(facts.NodeName);
        fields["id"] = Value.String(facts.NodeName);
        fields["version"] = Value.FromString(version);
        fields["installer_sha256"] = Value.FromString(sha256);
        fields["installed_version"] = Value.FromString(facts.Driver.InstalledVersion);
        fields["reboot_required"] = Value.Bool(facts.RebootRequired);
        fields["health"] = Value.String(HostDriverHealth.Describe(facts, version));
        fields["reboot_planned"] = Value.Bool(rebootPlanned);
        fields[Remote.NodeFileMode.AttributeName] = Remote.NodeFileMode.ToValue(facts.HostDriverFileModes, facts.HostDriverFileModes.Keys);
        return Value.Object(fields);
    }

    private static Value Known(Value v, Value? fallback) => v.IsUnknown || v.IsNull ? fallback ?? Value.Null : v;
}
