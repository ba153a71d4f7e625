using System.Collections.Immutable;

namespace VgpuIac.Engine.Parsing.Dkms;

/// <summary>What <c>dkms install</c>/<c>build</c> printed: completion flags, the modules and the target directory.</summary>
internal sealed record DkmsInstallOutput(bool BuildCompleted, bool InstallCompleted, ImmutableArray<string> Modules, string? InstallDirectory);
