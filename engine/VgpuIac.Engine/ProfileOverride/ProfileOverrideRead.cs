using System.Collections.Immutable;

namespace VgpuIac.Engine.ProfileOverride;

/// <summary>
/// One read of <c>profile_override.toml</c> (<see cref="ProfileOverrideNode.ReadScript"/>): the file and, when a section was
/// named, the running VMs that must restart to pick that section up (empty otherwise).
/// </summary>
internal sealed record ProfileOverrideRead(ProfileOverrideFile File, ImmutableArray<long> RestartRequiredVms);
