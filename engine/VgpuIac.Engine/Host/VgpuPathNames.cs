namespace VgpuIac.Engine.Host;

/// <summary>The lower-case names of <see cref="VgpuPath"/> used in schemas and messages.</summary>
internal static class VgpuPathNames
{
    public static string ToName(this VgpuPath path) => path switch
    {
        VgpuPath.Native => "native",
        VgpuPath.Unlockable => "unlockable",
        VgpuPath.Sriov => "sriov",
        VgpuPath.Unsupported => "unsupported",
        _ => "unknown",
    };
}
