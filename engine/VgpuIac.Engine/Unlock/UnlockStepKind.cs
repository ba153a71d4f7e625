namespace VgpuIac.Engine.Unlock;

/// <summary>One change <c>vgpu_unlock</c> makes on a node, in the order they run.</summary>
internal enum UnlockStepKind
{
    InstallLibrary,
    WriteConfig,
    WriteDropIn,
    DaemonReload,
    RestartServices,

    /// <summary>Files of ours found with another owner or mode get root:root and our mode (no restart: their content is unchanged).</summary>
    RepairModes,
}
