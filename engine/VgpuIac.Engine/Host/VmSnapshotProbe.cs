using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using VgpuIac.Engine.Parsing.Pve;
using VgpuIac.Engine.Remote;

namespace VgpuIac.Engine.Host;

/// <summary>
/// The VM snapshot read: ONE fixed, read-only script per node that prints every VM config (base64, so nothing in a
/// description can fake a line), one <c>qm list</c> (the only node tool it starts: one per node, whatever the number of
/// VMs) and the live mdevs from sysfs; and a pure parser (<see cref="Parse"/>) into a <see cref="VmSnapshot"/>.
/// </summary>
internal static class VmSnapshotProbe
{
    /// <summary>
    /// The bash function <c>vm_snapshot RC LISTING</c> that prints the snapshot's lines from a <c>qm list</c> already run
    /// (its exit code and standard output). Lines: <c>conf VMID BASE64</c>, <c>list RC BASE64</c>, <c>mdev UUID PARENT TYPE</c>,
    /// then <c>end</c>. The node facts probe calls it with its own <c>qm list</c>, so one probe per node answers both reads.
    /// </summary>
    public const string Function = """
        vm_snapshot() {
          local f id d p t
          for f in /etc/pve/qemu-server/*.conf; do
            [ -f "$f" ] || continue
            id=${f##*/}; id=${id%.conf}
            case $id in ''|*[!0-9]*) continue;; esac
            printf 'conf\t%s\t%s\n' "$id" "$(base64 -w0 < "$f")"
          done
          printf 'list\t%d\t%s\n' "$1" "$(printf '%s' "$2" | base64 -w0)"
          local here=$PWD
          for d in /sys/bus/mdev/devices/*; do
            [ -e "$d" ] || continue
            # the shell's own cd -P resolves the links: no process per mdev
            p=; t=
            cd -P "$d/.." 2>/dev/null && p=$PWD
            cd -P "$d/mdev_type" 2>/dev/null && t=$PWD
            printf 'mdev\t%s\t%s\t%s\n' "${d##*/}" "${p##*/}" "${t##*/}"
          done
          cd "$here" 2>/dev/null || cd /
          echo end
        }
        """;

    /// <summary>The script (no arguments; read-only): <see cref="Function"/> after one <c>qm list</c>.</summary>
    public const string Script = "export LC_ALL=C PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n" + Function + """

        list=$(qm list 2>&1); rc=$?
        vm_snapshot "$rc" "$list"
        exit 0
        """;

    public static RemoteCommand Command { get; } = RemoteCommand.Script(Script).WithTimeout(TimeSpan.FromSeconds(60));

    public static async Task<VmSnapshot> RunAsync(IRemoteShell shell, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(shell);
        var result = await shell.RunAsync(Command, cancellationToken).ConfigureAwait(false);
        var snapshot = Parse(shell.NodeName, result.StandardOutput);
        if (!result.Succeeded || !snapshot.Complete)
        {
            // A cut listing could make a VM look absent: never answer from it.
            throw new NodeConnectionException($"listing the VMs (/etc/pve/qemu-server, qm list) stopped early (exit {result.ExitCode}): {Shorten(result.StandardError)}")
            {
                Remedy = "Check that /etc/pve is mounted (pve-cluster running) and that the node is not out of memory, then run the command again.",
            };
        }

        return snapshot;
    }

    /// <summary>Parses the script's output. Pure; never throws on arbitrary text (what it cannot read becomes a warning).</summary>
    public static VmSnapshot Parse(string nodeName, string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var configs = new SortedDictionary<int, QmConfig>();
        var warnings = ImmutableArray.CreateBuilder<string>();
        var mdevs = ImmutableArray.CreateBuilder<LiveMdev>();
        Dictionary<int, (string? Name, string Status)>? listed = null;
        var complete = false;
        foreach (var line in output.Split('\n'))
        {
            var p = line.TrimEnd('\r').Split('\t');
            switch (p)
            {
                case ["conf", var id, var body] when TryVmId(id, out var vmId):
                    if (Decode(body) is { } text)
                    {
                        configs[vmId] = QmConfigParser.Parse(text).Value;
                    }
                    else
                    {
                        warnings.Add($"the config of VM {vmId} did not decode");
                    }

                    break;
                case ["list", var rc, var body]:
                    var listing = Decode(body) ?? string.Empty;
                    if (rc == "0")
                    {
                        listed = ParseList(listing);
                    }
                    else
                    {
                        warnings.Add($"qm list failed (exit {rc}): {Shorten(listing)}");
                    }

                    break;
                case ["mdev", var uuid, var parent, var type] when uuid.Length > 0:
                    mdevs.Add(new LiveMdev(uuid, parent.Length > 0 ? parent : null, type.Length > 0 ? type : null));
                    break;
                case ["end"]:
                    complete = true;
                    break;
            }
        }

        var allMdevs = mdevs.ToImmutable();
        var vms = ImmutableSortedDictionary.CreateBuilder<int, VmFacts>();
        foreach (var (vmId, config) in configs)
        {
            var status = listed is not null && listed.TryGetValue(vmId, out var row) ? row.Status : listed is not null ? "stopped" : null;
            vms[vmId] = new VmFacts
            {
                VmId = vmId,
                Name = config.Name,
                Status = status,
                Config = config,
                HostPci = [.. config.HostPci.Select(h => new VmHostPci($"hostpci{h.Index}", h.Raw, MdevOption(h.Raw)))],
                Mdevs = [.. allMdevs.Where(m => MdevVmId(m.Uuid) == vmId)],
            };
        }

        return new VmSnapshot
        {
            NodeName = nodeName,
            Vms = vms.ToImmutable(),
            StatusListed = listed is not null,
            Complete = complete,
            Mdevs = allMdevs,
            Warnings = warnings.ToImmutable(),
        };
    }

    /// <summary>The VMID in a PVE-generated mdev UUID (<c>%08d-0000-0000-0000-%012d</c> of index and VMID); null for any other UUID.</summary>
    public static int? MdevVmId(string uuid)
    {
        ArgumentNullException.ThrowIfNull(uuid);
        var p = uuid.Split('-');
        return p is [{ Length: 8 } index, "0000", "0000", "0000", { Length: 12 } id]
            && index.All(char.IsAsciiDigit) && id.All(char.IsAsciiDigit)
            && int.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var vmId)
            ? vmId
            : null;
    }

    /// <summary><c>qm list</c> rows: VMID, NAME (may be empty), STATUS, MEM(MB), BOOTDISK(GB), PID.</summary>
    private static Dictionary<int, (string? Name, string Status)> ParseList(string listing)
    {
        var rows = new Dictionary<int, (string? Name, string Status)>();
        foreach (var line in listing.Split('\n'))
        {
            var t = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (t.Length >= 5 && TryVmId(t[0], out var vmId))
            {
                var status = t[^4];
                var name = t.Length > 5 ? string.Join(' ', t[1..^4]) : null;
                rows[vmId] = (name, status);
            }
        }

        return rows;
    }

    private static string? MdevOption(string value)
    {
        foreach (var part in value.Split(',', StringSplitOptions.TrimEntries))
        {
            if (part.StartsWith("mdev=", StringComparison.Ordinal) && part.Length > 5)
            {
                return part[5..];
            }
        }

        return null;
    }

    private static bool TryVmId(string text, out int vmId) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out vmId) && vmId > 0;

    private static string? Decode(string base64)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(base64.Trim()));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static string Shorten(string text)
    {
        var t = text.Trim();
        return t.Length <= 200 ? t : t[..200];
    }
}
