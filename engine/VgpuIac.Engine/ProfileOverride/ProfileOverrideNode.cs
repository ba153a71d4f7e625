using System.Collections.Immutable;
using System.Globalization;
using VgpuIac.Engine.Remote;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.ProfileOverride;

/// <summary>
/// The node side of <c>vgpu_profile_override</c>: reading and atomically writing the file, resolving type names and finding
/// VMs that must restart. Every command is a fixed script; names and ids reach it only as arguments.
/// </summary>
internal static class ProfileOverrideNode
{
    /// <summary>Prints <c>type-id TAB name</c> for every vGPU type of every GPU (mdev sysfs, and SR-IOV VFs' creatable types).</summary>
    public const string TypesScript = """
        set -u
        for d in /sys/bus/pci/devices/*/mdev_supported_types/*; do
          [ -r "$d/name" ] || continue
          printf '%s\t%s\n' "${d##*/}" "$(head -n 1 "$d/name")"
        done
        for f in /sys/bus/pci/devices/*/nvidia/creatable_vgpu_types; do
          [ -r "$f" ] || continue
          sed -n 's/^ *\([0-9][0-9]*\) *: *\(.*[^ ]\) *$/nvidia-\1\t\2/p' "$f"
        done
        exit 0
        """;

    /// <summary>
    /// Read-only, one round trip (<c>bash -s -- PATH [KIND KEY]</c>): the file's owner and mode (a
    /// <see cref="NodeFileMode.ProbeFunction"/> line), then its bytes in base64 on one line; exit 3 with
    /// <c>vgpuiac-missing</c> when there is no file. With a section's target (KIND profile|vm|mdev, KEY) it then prints
    /// <c>vm TAB id</c> for each running VM that uses the target and started no later than the file's last change: the VMs
    /// that must restart to pick the section up. <c>qm list</c> and <c>qm config</c> (a Perl process each on PVE) run only
    /// when a VM config under <c>/etc/pve/qemu-server</c> has an mdev at all.
    /// </summary>
    public const string ReadScript = """
        set -u
        f=$1
        [ -e "$f" ] || { echo vgpuiac-missing >&2; exit 3; }
        printf 'filemode\t%s\t%s\n' "$f" "$(stat -L -c '%a %u %g' -- "$f")" || exit 1
        base64 -w0 -- "$f" || exit 1
        echo
        [ $# -ge 3 ] || exit 0
        kind=$2 key=$3
        command -v qm >/dev/null 2>&1 || exit 0
        if [ -d /etc/pve/qemu-server ] && ! grep -qsE '^hostpci[0-9]+:.*mdev=' /etc/pve/qemu-server/*.conf; then exit 0; fi
        changed=$(stat -c %Y -- "$f" 2>/dev/null || echo 0)
        qm list 2>/dev/null | awk 'NR > 1 && $3 == "running" { print $1 }' | while read -r vmid; do
          if [ "$kind" = vm ] && [ "$vmid" != "$key" ]; then continue; fi
          uses=0
          while IFS= read -r line; do
            case "$line" in hostpci[0-9]*:*mdev=*) ;; *) continue ;; esac
            index=${line%%:*}; index=${index#hostpci}
            mdev=${line#*mdev=}; mdev=${mdev%%,*}
            case "$kind" in
              profile) [ "$mdev" = "$key" ] && uses=1 ;;
              vm) uses=1 ;;
              mdev) [ "$(printf '%08d-0000-0000-0000-%012d' "$index" "$vmid")" = "$key" ] && uses=1 ;;
            esac
          done < <(qm config "$vmid" 2>/dev/null)
          [ "$uses" = 1 ] || continue
          started=$(stat -c %Y -- "/var/run/qemu-server/$vmid.pid" 2>/dev/null || echo 0)
          [ "$started" -le "$changed" ] && printf 'vm\t%s\n' "$vmid"
        done
        exit 0
        """;

    /// <summary>The file with its owner and mode, in one round trip.</summary>
    public static async Task<ProfileOverrideFile> ReadAsync(IRemoteShell shell, CancellationToken cancellationToken) =>
        (await ReadAsync(shell, null, cancellationToken).ConfigureAwait(false)).File;

    /// <summary>
    /// The file with its owner and mode and, for <paramref name="section"/>, the running VMs that must restart to pick it up
    /// (see <see cref="ReadScript"/>): one round trip.
    /// </summary>
    public static async Task<ProfileOverrideRead> ReadAsync(IRemoteShell shell, OverrideSection? section, CancellationToken cancellationToken)
    {
        var path = ProfileOverrideDefinition.FilePath;
        var result = await shell.RunAsync(
            section is null ? RemoteCommand.Script(ReadScript, path) : RemoteCommand.Script(ReadScript, path, section.Table, section.Key),
            cancellationToken).ConfigureAwait(false);
        if (result.ExitCode == 3 && result.StandardError.Contains("vgpuiac-missing", StringComparison.Ordinal))
        {
            return new ProfileOverrideRead(ProfileOverrideFile.Missing, []);
        }

        var lines = result.StandardOutput.Split('\n');
        var modes = ImmutableSortedDictionary.CreateBuilder<string, NodeFileMode>(StringComparer.Ordinal);
        NodeFileMode.Collect(lines[0].TrimEnd('\r').Split('\t'), modes);
        byte[]? bytes = null;
        try
        {
            bytes = result.Succeeded && lines.Length >= 2 ? Convert.FromBase64String(lines[1].Trim()) : null;
        }
        catch (FormatException)
        {
            bytes = null;
        }

        if (bytes is null || !modes.ContainsKey(path))
        {
            throw new NodeConnectionException($"Unable to read {path}: {(result.StandardError.Trim() is { Length: > 0 } e ? e : $"exit {result.ExitCode.ToString(CultureInfo.InvariantCulture)}")}.")
            {
                NodeName = shell.NodeName,
                OperationFailed = true,
                Remedy = "Check that the path is a readable file on the node.",
            };
        }

        ImmutableArray<long> vms =
        [
            .. lines.Skip(2)
                .Select(l => l.TrimEnd('\r').Split('\t'))
                .Where(f => f.Length == 2 && f[0] == "vm")
                .Select(f => long.TryParse(f[1].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : -1)
                .Where(id => id > 0)
                .Distinct()
                .Order(),
        ];
        return new ProfileOverrideRead(ProfileOverrideFile.FromBytes(bytes) with { Mode = modes[path] }, vms);
    }

    /// <summary>The mode the file gets: configuration, 0644 root:root.</summary>
    public const int FileMode = RemoteFile.ConfigMode;

    /// <summary>Gives the file root:root and <see cref="FileMode"/> (its content unchanged).</summary>
    public static Task<RemoteResult> RepairModeAsync(IRemoteShell shell, CancellationToken cancellationToken) =>
        shell.RunAsync(NodeFileMode.Repair([(ProfileOverrideDefinition.FilePath, FileMode)]), cancellationToken);

    /// <summary>The <c>file_modes</c> value of a read file (empty when it is missing).</summary>
    public static Value FileModes(ProfileOverrideFile file) =>
        NodeFileMode.ToValue(file.Mode is { } mode ? new Dictionary<string, NodeFileMode> { [ProfileOverrideDefinition.FilePath] = mode } : [], [ProfileOverrideDefinition.FilePath]);

    /// <summary>
    /// The planned <c>file_modes</c>: after any apply the file exists with our owner and mode, exactly (the file is shared:
    /// another section's apply may rewrite it in the same run, and a rewrite gives it root:root 0644).
    /// </summary>
    public static Value PlannedFileModes { get; } =
        Value.Map([KeyValuePair.Create(ProfileOverrideDefinition.FilePath, Value.String(NodeFileMode.Ours(FileMode).Describe()))]);

    public static Task WriteAsync(IRemoteShell shell, ProfileOverrideFile file, string text, CancellationToken cancellationToken) =>
        shell.WriteFileAsync(new RemoteFile { Path = ProfileOverrideDefinition.FilePath, Content = file.Encode(text), CreateParents = true }, cancellationToken);

    /// <summary>vGPU types offered on the node: id → name (an id offered by several GPUs appears once).</summary>
    public static async Task<ImmutableArray<(string Id, string Name)>> TypesAsync(IRemoteShell shell, CancellationToken cancellationToken)
    {
        var result = await shell.RunAsync(RemoteCommand.Script(TypesScript), cancellationToken).ConfigureAwait(false);
        return
        [
            .. result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => line.Split('\t', 2))
                .Where(parts => parts.Length == 2)
                .Select(parts => (Id: parts[0].Trim(), Name: parts[1].Trim()))
                .Distinct(),
        ];
    }
}
