using System.Collections.Immutable;
using VgpuIac.Engine.Nodes;
using VgpuIac.Engine.Values;
using D = VgpuIac.Engine.Unlock.UnlockDefinition;

namespace VgpuIac.Engine.Unlock;

/// <summary>What the node says about vgpu_unlock-rs, plus the user's source settings (which the node cannot tell).</summary>
internal sealed record UnlockState
{
    public required string Node { get; init; }

    public required UnlockSpec Source { get; init; }

    public required UnlockNodeFacts Facts { get; init; }

    public ImmutableArray<string> CreatedPaths { get; init; } = [];

    /// <summary>True when the node has nothing of vgpu_unlock-rs at the library path: no library, no drop-in, no config.toml.</summary>
    public bool Gone => Facts.LibrarySha256 is null && Facts.DropIns.IsEmpty && Facts.ConfigToml is null;

    public Value ToValue()
    {
        // what vgpu_unlock-rs runs with: a missing file or key is its default; a key it cannot read is null (drift)
        var config = UnlockConfigToml.Effective(Facts.ConfigToml);
        var units = D.Units.Where(u => UnlockPlanner.DropInEquivalent(Facts, u, Source.LibraryPath));
        return Value.Object(
            (ProviderSchema.NodeAttribute.Name, Value.String(Node)),
            (D.Id, Value.String(Node)),
            (D.LibraryUrl, Value.FromString(Source.LibraryUrl)),
            (D.LibrarySha256, Value.FromString(Source.LibrarySha256)),
            (D.LibrarySource, Value.FromString(Source.LibrarySource)),
            (D.LibraryPath, Value.String(Source.LibraryPath)),
            (D.Unlock, Value.FromBool(config?.Unlock)),
            (D.UnlockMigration, Value.FromBool(config?.UnlockMigration)),
            (D.RestartWithRunningVms, Value.Bool(Source.RestartWithRunningVms)),
            (D.InstalledLibrarySha256, Value.FromString(Facts.LibrarySha256)),
            (D.InstalledUnits, Value.FromStrings(units)),
            (D.Effective, Value.Bool(UnlockPlanner.Effective(Facts, Source.LibraryPath))),
            (D.CreatedPaths, Value.FromStrings(CreatedPaths)),
            (Remote.NodeFileMode.AttributeName, Remote.NodeFileMode.ToValue(Facts.FileModes, UnlockPlanner.OwnFiles(Source.LibraryPath).Select(f => f.Path))),
            (D.Gpus, Value.FromStrings(Facts.Gpus.Select(g => g.Describe()))));
    }

    /// <summary>The created paths recorded in a state value.</summary>
    public static ImmutableArray<string> CreatedPathsOf(Value? state) =>
        state?[D.CreatedPaths] is { Kind: ValueKind.List } list ? [.. list.Items.Select(i => i.StringOrNull).OfType<string>()] : [];
}
