using VgpuIac.Engine.Host;

namespace VgpuIac.Engine.HostDriver;

/// <summary>
/// Health of the host driver from the node's facts (vgpu-domain.md §7.6): <c>ok</c> needs nvidia-vgpu-mgr active and vGPU
/// types offered by at least one GPU; nvidia-vgpud is optional (absent, or one-shot <c>inactive (dead)</c>, is fine).
/// </summary>
internal static class HostDriverHealth
{
    public const string Ok = "ok";

    public static IReadOnlyList<string> Problems(NodeFacts facts, string? wantedVersion = null)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var problems = new List<string>();
        var installed = facts.Driver.InstalledVersion;
        if (installed is null)
        {
            problems.Add("host driver not installed");
            return problems;
        }

        if (wantedVersion is not null && installed != wantedVersion)
        {
            problems.Add($"driver {installed} installed, {wantedVersion} wanted");
        }

        if (facts.RebootRequired)
        {
            problems.Add("reboot required (" + string.Join("; ", facts.RebootReasons) + ")");
        }
        else if (facts.Driver.LoadedModuleVersion is null)
        {
            problems.Add("nvidia module not loaded");
        }

        if (!facts.VgpuManager.IsActive)
        {
            problems.Add($"nvidia-vgpu-mgr {facts.VgpuManager.Describe()}");
        }

        if (facts.VgpuDaemon.IsFailed)
        {
            problems.Add("nvidia-vgpud failed");
        }

        // A consumer card offers vGPU types only once vgpu_unlock is set up, which the tutorial does after the
        // driver: no types is then expected, not a driver problem.
        if (!facts.AllVgpuTypes.Any() && !AwaitsUnlock(facts))
        {
            problems.Add("no vGPU types offered");
        }

        return problems;
    }

    /// <summary>True when every GPU is a consumer card that vgpu_unlock can unlock (and none offers types natively).</summary>
    public static bool AwaitsUnlock(NodeFacts facts) =>
        facts.Gpus.Any(g => g.VgpuPath == VgpuPath.Unlockable)
        && facts.Gpus.All(g => g.VgpuPath is not (VgpuPath.Native or VgpuPath.Sriov));

    /// <summary><c>ok</c> or <c>degraded: reason; reason</c>.</summary>
    public static string Describe(NodeFacts facts, string? wantedVersion = null)
    {
        var problems = Problems(facts, wantedVersion);
        return problems.Count == 0 ? Ok : "degraded: " + string.Join("; ", problems);
    }
}
