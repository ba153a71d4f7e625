using VgpuIac.Engine.Nodes;
using VgpuIac.Engine.Values;
using D = VgpuIac.Engine.Unlock.UnlockDefinition;

namespace VgpuIac.Engine.Unlock;

/// <summary>What the user wants (read from a planned value, where defaults are filled in).</summary>
internal sealed record UnlockSpec
{
    public string? Node { get; init; }

    public string? LibraryUrl { get; init; }

    /// <summary>Wanted checksum, lower case; null while unknown.</summary>
    public string? LibrarySha256 { get; init; }

    public string? LibrarySource { get; init; }

    public string LibraryPath { get; init; } = D.DefaultLibraryPath;

    public bool Unlock { get; init; } = true;

    public bool UnlockMigration { get; init; }

    /// <summary>The user allows a restart of nvidia-vgpu-mgr while VMs use vGPUs.</summary>
    public bool RestartWithRunningVms { get; init; }

    public static UnlockSpec FromValue(Value value) => new()
    {
        Node = value[ProviderSchema.NodeAttribute.Name].StringOrNull,
        LibraryUrl = value[D.LibraryUrl].StringOrNull,
        LibrarySha256 = value[D.LibrarySha256].StringOrNull?.Trim().ToLowerInvariant(),
        LibrarySource = value[D.LibrarySource].StringOrNull,
        LibraryPath = value[D.LibraryPath].StringOrNull ?? D.DefaultLibraryPath,
        Unlock = value[D.Unlock].BoolOrNull ?? true,
        UnlockMigration = value[D.UnlockMigration].BoolOrNull ?? false,
        RestartWithRunningVms = value[D.RestartWithRunningVms].BoolOrNull ?? false,
    };
}
