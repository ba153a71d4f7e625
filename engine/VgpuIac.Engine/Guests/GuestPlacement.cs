using System.Globalization;
using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Host;
using D = VgpuIac.Engine.Guests.GuestDefinition;

namespace VgpuIac.Engine.Guests;

/// <summary>
/// Where a guest's vGPU goes (pure, from the node's facts): the GPU and type for the spec, or why there is none
/// (the node cannot list its types, the type does not exist, no free instance, a GPU locked to another type).
/// Create-only: the plan reports these as warnings (the node may change before apply, and a destroy must never be
/// blocked by them); the apply reports them as errors before it creates anything.
/// </summary>
internal static class GuestPlacement
{
    /// <summary>
    /// The GPU and type for <paramref name="spec"/>; null and a diagnostic of <paramref name="severity"/> when there is none.
    /// <paramref name="ownType"/> is the type of an instance this guest already holds (or frees first): it counts as free.
    /// </summary>
    public static (GpuFacts Gpu, VgpuType Type)? Select(NodeFacts facts, GuestSpec spec, string? ownType, DiagnosticBag diagnostics, Severity severity)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(diagnostics);
        var path = AttributePath.Of(spec.MdevType is not null ? D.MdevType : D.MdevTypeName);
        var wanted = spec.MdevType ?? spec.MdevTypeName;
        void Report(string summary, string detail, AttributePath at) => diagnostics.Add(new Diagnostic(severity, summary,
            severity == Severity.Error ? detail : detail + " The apply checks again and stops before creating anything if it still holds.", at));

        if (facts.MdevTypesError is { } failure)
        {
            Report("Unable to list the vGPU types",
                $"`mdevctl types --dumpjson` failed on node \"{facts.NodeName}\" ({failure}), so \"{wanted}\" cannot be checked. " +
                "This is often temporary (another apply creating or removing an mdev); run apply again. If it persists, run the command on the node.", path);
            return null;
        }

        var gpus = spec.Gpu is not null ? facts.Gpus.Where(g => GpuAddress.Same(g.PciAddress, spec.Gpu)).ToList() : facts.Gpus.ToList();
        if (spec.Gpu is not null && gpus.Count == 0)
        {
            Report("Unable to find the GPU", $"Node \"{facts.NodeName}\" has no GPU at {spec.Gpu}. GPUs found: {string.Join(", ", facts.Gpus.Select(g => $"{g.PciAddress} ({g.Name})"))}.", AttributePath.Of(D.Gpu));
            return null;
        }

        bool Matches(VgpuType t) => spec.MdevType is not null ? t.Id == spec.MdevType : string.Equals(t.Name, spec.MdevTypeName, StringComparison.OrdinalIgnoreCase);
        var offering = gpus.SelectMany(g => g.VgpuTypes.Where(Matches).Select(t => (Gpu: g, Type: t))).ToList();
        if (offering.Count == 0)
        {
            var known = gpus.SelectMany(g => g.VgpuTypes).Select(t => $"{t.Id} ({t.Name})").Distinct().Take(12).ToList();
            Report("Unable to find the vGPU type", known.Count == 0
                ? $"Node \"{facts.NodeName}\" lists no vGPU types at all, so \"{wanted}\" cannot be used. Install the host driver (vgpu_host_driver) and, for a consumer GPU, vgpu_unlock; `mdevctl types` must list the types."
                : $"No GPU{(spec.Gpu is null ? string.Empty : " at " + spec.Gpu)} on node \"{facts.NodeName}\" offers the type \"{wanted}\". Types on this node: {string.Join(", ", known)}.", path);
            return null;
        }

        // A GPU whose only live instance is this guest's own is free for any type once the guest stops (a vGPU type
        // changes while the VM is off): a time-sliced GPU reports 0 for other types only because of that instance.
        bool OnlyOurs(GpuFacts g)
        {
            var onGpu = facts.LiveMdevs.Where(m => string.Equals(m.Parent, g.PciAddress, StringComparison.OrdinalIgnoreCase)).ToList();
            return ownType is not null && onGpu.Count > 0 && onGpu.All(m => string.Equals(m.Uuid, spec.MdevUuid, StringComparison.OrdinalIgnoreCase));
        }

        var free = offering.FirstOrDefault(o => o.Type.AvailableInstances > 0 || o.Type.Id == ownType || OnlyOurs(o.Gpu));
        if (free.Gpu is not null)
        {
            return free;
        }

        var first = offering[0];
        var active = facts.LiveMdevs.Where(m => string.Equals(m.Parent, first.Gpu.PciAddress, StringComparison.OrdinalIgnoreCase)).Select(m => m.TypeId).Distinct().ToList();
        var other = active.Where(t => t != first.Type.Id).ToList();
        Report("No free vGPU instance", other.Count > 0
            ? $"GPU {first.Gpu.PciAddress} ({first.Gpu.Name}) runs vGPUs of type {string.Join(", ", other)}; a time-sliced GPU runs one type at a time, so \"{first.Type.Name}\" ({first.Type.Id}) has no instance left. Use the same type as the running VMs (per-VM differences go in vgpu_profile_override), or another GPU."
            : $"Every instance of \"{first.Type.Name}\" ({first.Type.Id}) is in use (max {first.Type.MaxInstances?.ToString(CultureInfo.InvariantCulture) ?? "?"}). Stop or remove a VM that uses one, or choose a smaller type.", path);
        return null;
    }

    /// <summary>
    /// A plan's warning when the node lists no vGPU types yet (no host driver loaded; mdevctl itself ran): the type is
    /// checked at apply. The advice to depend on vgpu_host_driver is given only when host_driver_version is not set
    /// (set, known or not, it is that dependency already). Null when the node lists types or mdevctl failed (see <see cref="Select"/>).
    /// </summary>
    public static Diagnostic? NoTypesYet(NodeFacts facts, GuestSpec spec, bool hostDriverSet)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(spec);
        if (facts.MdevTypesError is not null || facts.AllVgpuTypes.Any())
        {
            return null;
        }

        var advice = hostDriverSet
            ? string.Empty
            : " Make this resource depend on vgpu_host_driver (e.g. host_driver_version = vgpu_host_driver.<name>.installed_version).";
        return Diagnostic.Warning("vGPU type checked at apply time",
            $"Node \"{facts.NodeName}\" lists no vGPU types yet (no host driver loaded), so \"{spec.MdevType ?? spec.MdevTypeName}\" is checked when the VM is created.{advice}",
            AttributePath.Of(spec.MdevType is not null ? D.MdevType : D.MdevTypeName));
    }

    /// <summary>The vGPU type held by VM <paramref name="vmid"/> when it runs (its instance is freed when it goes); null otherwise.</summary>
    public static string? HeldType(NodeFacts facts, long vmid)
    {
        ArgumentNullException.ThrowIfNull(facts);
        return facts.Vms.FirstOrDefault(v => v.VmId == vmid) is { IsRunning: true } vm ? vm.HostPci.Select(h => h.MdevType).FirstOrDefault(t => t is not null) : null;
    }
}
