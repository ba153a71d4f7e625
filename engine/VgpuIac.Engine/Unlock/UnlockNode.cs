using System.Collections.Immutable;
using System.Text;
using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Logging;
using VgpuIac.Engine.Remote;
using D = VgpuIac.Engine.Unlock.UnlockDefinition;

namespace VgpuIac.Engine.Unlock;

/// <summary>Runs <see cref="UnlockStep"/>s on a node and removes what the resource created. Commands are argument lists or fixed scripts.</summary>
internal static class UnlockNode
{
    /// <summary>Removes files (<c>f path</c>) and empty folders (<c>d path</c>) given as argument pairs.</summary>
    public const string RemoveScript = """
        set -u
        while [ $# -ge 2 ]; do
          case $1 in
            f) rm -f -- "$2" || exit 1;;
            d) rmdir -- "$2" 2>/dev/null || true;;
          esac
          shift 2
        done
        """;

    /// <summary>
    /// Applies <paramref name="steps"/>; returns the paths created (files and folders that did not exist), or null after an
    /// error (added to <paramref name="diagnostics"/>).
    /// </summary>
    public static async Task<ImmutableArray<string>?> ApplyAsync(
        IRemoteShell shell, UnlockSpec spec, UnlockNodeFacts facts, ImmutableArray<UnlockStep> steps, IEngineLog log, DiagnosticBag diagnostics, CancellationToken cancellationToken)
    {
        var created = new List<string>();
        void Folders(string path)
        {
            created.AddRange(facts.MissingFolders.Where(f => path.StartsWith(f + "/", StringComparison.Ordinal)));
        }

        foreach (var step in steps)
        {
            switch (step.Kind)
            {
                case UnlockStepKind.InstallLibrary:
                    log.Progress("vgpu_unlock", $"installing {spec.LibraryPath}");
                    if (!await InstallLibraryAsync(shell, spec, facts, diagnostics, cancellationToken).ConfigureAwait(false))
                    {
                        return null;
                    }

                    if (facts.LibrarySha256 is null)
                    {
                        Folders(spec.LibraryPath);
                        created.Add(spec.LibraryPath);
                    }

                    break;
                case UnlockStepKind.WriteConfig:
                    var text = UnlockConfigToml.Write(facts.ConfigToml, spec.Unlock, spec.UnlockMigration);
                    if (text is null)
                    {
                        UnlockConfigToml.Read(facts.ConfigToml!, out var error);
                        diagnostics.Error(
                            "Unable to write vgpu_unlock config",
                            $"{D.ConfigPath} on node \"{shell.NodeName}\" is not valid TOML ({error}). vgpu_unlock-rs aborts the NVIDIA services on such a file. Fix or delete it by hand; the provider does not overwrite a file it cannot parse.",
                            AttributePath.Of(D.Unlock));
                        return null;
                    }

                    await shell.WriteFileAsync(new RemoteFile { Path = D.ConfigPath, Content = Encoding.UTF8.GetBytes(text) }, cancellationToken).ConfigureAwait(false);
                    if (facts.ConfigToml is null)
                    {
                        Folders(D.ConfigPath);
                        created.Add(D.ConfigPath);
                    }

                    break;
                case UnlockStepKind.WriteDropIn:
                    var path = D.DropInPath(step.Unit!);
                    await shell.WriteFileAsync(new RemoteFile { Path = path, Content = Encoding.UTF8.GetBytes(UnlockPlanner.DropInContent(spec.LibraryPath)) }, cancellationToken).ConfigureAwait(false);
                    if (!facts.DropIns.ContainsKey(step.Unit!))
                    {
                        Folders(path);
                        created.Add(path);
                    }

                    break;
                case UnlockStepKind.DaemonReload:
                    if (!await SystemctlAsync(shell, ["daemon-reload"], "reload systemd", diagnostics, cancellationToken).ConfigureAwait(false))
                    {
                        return null;
                    }

                    break;
                case UnlockStepKind.RepairModes:
                    var drifted = UnlockPlanner.DriftedModes(spec.LibraryPath, facts);
                    log.Progress("vgpu_unlock", $"setting owner root:root and VgpuIac's mode on {string.Join(", ", drifted.Select(d => d.Path))}");
                    var repair = await shell.RunAsync(NodeFileMode.Repair(drifted.Select(d => (d.Path, d.Mode))), cancellationToken).ConfigureAwait(false);
                    if (!repair.Succeeded)
                    {
                        diagnostics.Error("Unable to repair file modes", $"Setting owner root:root and mode on {string.Join(", ", drifted.Select(d => $"{d.Path} ({d.Found.Describe()} -> {NodeFileMode.Ours(d.Mode).Describe()})"))} on node \"{shell.NodeName}\" failed: {repair.StandardError.Trim()}. Check the files (an immutable attribute, a read-only mount), then run apply again.");
                        return null;
                    }

                    break;
                case UnlockStepKind.RestartServices:
                    log.Progress("vgpu_unlock", "restarting the NVIDIA vGPU services");
                    var units = D.Units.Where(facts.ExistingUnits.Contains).ToArray();
                    if (!await SystemctlAsync(shell, ["restart", .. units], $"restart {string.Join(" and ", units)}", diagnostics, cancellationToken).ConfigureAwait(false))
                    {
                        return null;
                    }

                    break;
            }
        }

        return [.. created.Distinct()];
    }

    /// <summary>The files and folders a destroy removes: the drop-ins on the node, then what the resource created (deepest folder first).</summary>
    public static (ImmutableArray<string> Files, ImmutableArray<string> Folders) Removal(UnlockNodeFacts facts, ImmutableArray<string> createdPaths)
    {
        var files = D.Units.Where(facts.DropIns.ContainsKey).Select(D.DropInPath)
            .Concat(createdPaths.Where(p => !facts.MissingFolders.Contains(p) && !IsFolderEntry(p, createdPaths)))
            .Distinct()
            .ToImmutableArray();
        var folders = createdPaths.Where(p => IsFolderEntry(p, createdPaths)).OrderByDescending(p => p.Length).ToImmutableArray();
        return (files, folders);
    }

    /// <summary>The services a destroy restarts: the existing ones, when it removes anything.</summary>
    public static ImmutableArray<string> RemovalRestarts(UnlockNodeFacts facts, ImmutableArray<string> createdPaths)
    {
        var (files, folders) = Removal(facts, createdPaths);
        return files.IsEmpty && folders.IsEmpty ? [] : [.. D.Units.Where(facts.ExistingUnits.Contains)];
    }

    /// <summary>Removes the drop-ins, then the files and folders in <paramref name="createdPaths"/>, then reloads and restarts the services.</summary>
    public static async Task<bool> RemoveAsync(IRemoteShell shell, UnlockNodeFacts facts, ImmutableArray<string> createdPaths, DiagnosticBag diagnostics, CancellationToken cancellationToken)
    {
        var (files, folders) = Removal(facts, createdPaths);
        if (files.IsEmpty && folders.IsEmpty)
        {
            return true;
        }

        var arguments = files.SelectMany(f => new[] { "f", f }).Concat(folders.SelectMany(d => new[] { "d", d })).ToArray();
        var result = await shell.RunAsync(RemoteCommand.Script(RemoveScript, arguments).AsMutating(), cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            diagnostics.Error("Unable to remove vgpu_unlock", $"Removing {string.Join(", ", files)} on node \"{shell.NodeName}\" failed: {result.StandardError.Trim()}. Check the files' permissions and run destroy again.");
            return false;
        }

        if (!await SystemctlAsync(shell, ["daemon-reload"], "reload systemd", diagnostics, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        var units = D.Units.Where(facts.ExistingUnits.Contains).ToArray();
        return units.Length == 0 || await SystemctlAsync(shell, ["restart", .. units], $"restart {string.Join(" and ", units)}", diagnostics, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// After a failed apply: removes the folders in <paramref name="folders"/> (those that did not exist before it) that are
    /// still empty, deepest first, so a failed first apply leaves no empty folder behind. Folders that hold a file stay.
    /// </summary>
    public static async Task RemoveEmptyFoldersAsync(IRemoteShell shell, ImmutableArray<string> folders, CancellationToken cancellationToken)
    {
        if (folders.IsEmpty)
        {
            return;
        }

        var arguments = folders.OrderByDescending(f => f.Length).SelectMany(d => new[] { "d", d }).ToArray();
        await shell.RunAsync(RemoteCommand.Script(RemoveScript, arguments).AsMutating(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A created path is a folder when another created path lies inside it (folders are recorded with their contents).</summary>
    private static bool IsFolderEntry(string path, ImmutableArray<string> all) => all.Any(p => p.StartsWith(path + "/", StringComparison.Ordinal));

    private static async Task<bool> InstallLibraryAsync(IRemoteShell shell, UnlockSpec spec, UnlockNodeFacts facts, DiagnosticBag diagnostics, CancellationToken cancellationToken)
    {
        if (spec.LibraryUrl is { } url)
        {
            var result = await shell.RunAsync(RemoteDownload.Command(url, spec.LibraryPath, spec.LibrarySha256!, RemoteFile.ExecutableMode), cancellationToken).ConfigureAwait(false);
            var failure = RemoteDownload.FailureMessage(result, url, spec.LibraryPath);
            if (failure is not null)
            {
                diagnostics.Error("Unable to download vgpu_unlock-rs", $"Node \"{shell.NodeName}\": {failure}", AttributePath.Of(D.LibraryUrl));
                return false;
            }

            return true;
        }

        var folder = spec.LibraryPath[..spec.LibraryPath.LastIndexOf('/')];
        if (facts.MissingFolders.Contains(folder))
        {
            var mkdir = await shell.RunAsync(RemoteCommand.Of("mkdir", "-p", "--", folder).AsMutating(), cancellationToken).ConfigureAwait(false);
            if (!mkdir.Succeeded)
            {
                diagnostics.Error("Unable to upload vgpu_unlock-rs", $"Creating {folder} on node \"{shell.NodeName}\" failed: {mkdir.StandardError.Trim()}.", AttributePath.Of(D.LibraryPath));
                return false;
            }
        }

        await shell.UploadAsync(spec.LibrarySource!, spec.LibraryPath, spec.LibrarySha256!, progress: null, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private static async Task<bool> SystemctlAsync(IRemoteShell shell, string[] arguments, string what, DiagnosticBag diagnostics, CancellationToken cancellationToken)
    {
        var result = await shell.RunAsync(RemoteCommand.Of("systemctl", arguments).AsMutating(), cancellationToken).ConfigureAwait(false);
        if (result.Succeeded)
        {
            return true;
        }

        diagnostics.Error(
            $"Unable to {what}",
            $"`systemctl {string.Join(' ', arguments)}` on node \"{shell.NodeName}\" failed (exit {result.ExitCode}): {result.StandardError.Trim()}. " +
            "Look at `journalctl -u nvidia-vgpu-mgr -u nvidia-vgpud` on the node (\"Parameters size ... expected\" means this vgpu_unlock-rs build does not support the driver branch), fix it, then run apply again.");
        return false;
    }
}
