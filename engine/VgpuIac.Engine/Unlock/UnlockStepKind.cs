namespace VgpuIac.Engine.Unlock;

/// <summary>One change <c>vgpu_unlock</c> makes on a node, in the order they run.</summary>
public enum UnlockStepKind
{
    InstallLibrary,
    WriteConfig,
    WriteDropIn,
    DaemonReload,
    RestartServices,
}
