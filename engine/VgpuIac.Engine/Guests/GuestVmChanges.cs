using System.Collections.Immutable;

namespace VgpuIac.Engine.Guests;

/// <summary>
/// What <c>qm set</c> must send to bring a VM's config to the spec: only the options that differ (each with the
/// whole value it must have, e.g. net0 with its MAC), the options to delete, and whether the vGPU (hostpci0) changes,
/// which needs the VM stopped.
/// </summary>
internal sealed record GuestVmChanges
{
    public static GuestVmChanges None { get; } = new();

    public ImmutableArray<KeyValuePair<string, string>> Set { get; init; } = [];

    public ImmutableArray<string> Delete { get; init; } = [];

    public bool VgpuChanged { get; init; }

    public bool IsEmpty => Set.IsEmpty && Delete.IsEmpty;

    public string? ValueOf(string option) => Set.Where(kv => kv.Key == option).Select(kv => kv.Value).FirstOrDefault();

    public override string ToString() =>
        string.Join(' ', Set.Select(kv => $"--{kv.Key} {kv.Value}").Concat(Delete.IsEmpty ? [] : [$"--delete {string.Join(',', Delete)}"]));
}
