using System.Collections.Immutable;
using System.Text.RegularExpressions;
using VgpuIac.NodeSim;

namespace VgpuIac.Terraform.Tests.Convergence;

/// <summary>
/// What a user would notice on a node, as key/value pairs read in one command: every VM's and container's
/// configuration line (<c>vm/200/net0</c>), whether each runs and since when (<c>vm/200/run</c>: its process id, so a
/// restart shows), the NVIDIA services' state and start (<c>unit/nvidia-vgpu-mgr</c>), and every file VgpuIac or a
/// user may place (<c>file/etc/vgpu_unlock/config.toml</c>: SHA-256, mode, owner).
/// </summary>
public sealed record NodeSnapshot(ImmutableSortedDictionary<string, string> Entries)
{
    private const string Script = """
        set -u
        for f in /etc/pve/qemu-server/*.conf; do
          [ -f "$f" ] || continue; id=$(basename "$f" .conf)
          # the VM's own lines, not its snapshots or pending changes ([section] blocks)
          awk -v id="$id" '/^\[/{exit} /^[a-z0-9_]+:/{k=$1; sub(/:$/,"",k); v=$0; sub(/^[^:]*: ?/,"",v); print "vm/" id "/" k "\t" v}' "$f"
          if [ -f "/run/nodesim/qm/$id.running" ]; then printf 'vm/%s/run\t%s\n' "$id" "$(cat /run/nodesim/qm/$id.pid 2>/dev/null)"; else printf 'vm/%s/run\tstopped\n' "$id"; fi
        done
        for f in /etc/pve/lxc/*.conf; do
          [ -f "$f" ] || continue; id=$(basename "$f" .conf)
          awk -v id="$id" '/^\[/{exit} /^[a-z0-9_]+:/{k=$1; sub(/:$/,"",k); v=$0; sub(/^[^:]*: ?/,"",v); print "ct/" id "/" k "\t" v}' "$f"
          if [ -f "/run/nodesim/lxc/$id.running" ]; then printf 'ct/%s/run\trunning\n' "$id"; else printf 'ct/%s/run\tstopped\n' "$id"; fi
        done
        for u in nvidia-vgpud nvidia-vgpu-mgr; do
          printf 'unit/%s\t%s\n' "$u" "$(systemctl show -p ActiveState -p ActiveEnterTimestamp -p MainPID --value "$u" 2>/dev/null | tr '\n' ' ')"
        done
        for d in /etc/vgpu_unlock /etc/systemd/system/nvidia-vgpud.service.d /etc/systemd/system/nvidia-vgpu-mgr.service.d \
                 /opt/vgpu_unlock-rs /etc/modprobe.d /etc/default /etc/kernel /var/lib/nodesim/driver /var/lib/lxc; do
          [ -d "$d" ] || continue
          find "$d" -type f 2>/dev/null | sort | while IFS= read -r f; do
            printf 'file%s\t%s %s\n' "$f" "$(sha256sum "$f" | cut -c1-16)" "$(stat -c '%a %U:%G' "$f")"
          done
        done
        """;

    public static async Task<NodeSnapshot> CaptureAsync(SimulatedNode node)
    {
        var output = await node.ExecCheckedAsync(Script);
        var entries = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var tab = line.IndexOf('\t', StringComparison.Ordinal);
            if (tab > 0)
            {
                entries[line[..tab]] = line[(tab + 1)..].TrimEnd();
            }
        }

        return new NodeSnapshot(entries.ToImmutable());
    }

    /// <summary>Keys added, removed or changed between this snapshot and <paramref name="after"/>, as readable lines.</summary>
    public ImmutableArray<(string Key, string Change)> DiffTo(NodeSnapshot after)
    {
        var diff = ImmutableArray.CreateBuilder<(string, string)>();
        foreach (var (key, value) in Entries)
        {
            if (!after.Entries.TryGetValue(key, out var now))
            {
                diff.Add((key, $"removed (was {value})"));
            }
            else if (now != value)
            {
                diff.Add((key, $"{value} -> {now}"));
            }
        }

        foreach (var (key, value) in after.Entries.Where(e => !Entries.ContainsKey(e.Key)))
        {
            diff.Add((key, $"added: {value}"));
        }

        return diff.ToImmutable();
    }

    /// <summary>True when <paramref name="key"/> matches one of <paramref name="patterns"/> (<c>*</c> matches any run of characters).</summary>
    public static bool Matches(string key, IEnumerable<string> patterns) =>
        patterns.Any(p => Regex.IsMatch(key, "^" + Regex.Escape(p).Replace("\\*", ".*", StringComparison.Ordinal) + "$", RegexOptions.None, TimeSpan.FromSeconds(1)));
}
