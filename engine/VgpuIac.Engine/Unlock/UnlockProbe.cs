using System.Collections.Immutable;
using System.Text;
using VgpuIac.Engine.Parsing.Systemd;
using VgpuIac.Engine.Remote;

namespace VgpuIac.Engine.Unlock;

/// <summary>
/// One read-only round trip that gathers what <c>vgpu_unlock</c> needs: library checksum, services and their loaded
/// environment, drop-ins, config.toml, owner and mode of those files, NVIDIA GPUs (from sysfs) and missing folders. The library path is its only argument.
/// </summary>
internal static class UnlockProbe
{
    public const string Script = $$"""
        set -u
        lib=$1
        {{NodeFileMode.ProbeFunction}}
        # few processes: every fork is on the critical path of a no-op apply
        if [ -f "$lib" ]; then read -r sum _ < <(sha256sum -- "$lib"); printf 'lib\t%s\n' "$sum"; fi
        filemode "$lib" /etc/vgpu_unlock/config.toml /etc/systemd/system/nvidia-vgpud.service.d/vgpu_unlock.conf /etc/systemd/system/nvidia-vgpu-mgr.service.d/vgpu_unlock.conf
        # both units' load state and loaded environment in one systemctl call (blocks separated by a blank line)
        printf 'units\t%s\n' "$(systemctl show -p Id -p LoadState -p Environment nvidia-vgpud.service nvidia-vgpu-mgr.service 2>/dev/null | base64 -w0)"
        for unit in nvidia-vgpud.service nvidia-vgpu-mgr.service; do
          f=/etc/systemd/system/$unit.d/vgpu_unlock.conf
          if [ -f "$f" ]; then printf 'dropin\t%s\t%s\n' "$unit" "$(base64 -w0 < "$f")"; fi
        done
        if [ -f /etc/vgpu_unlock/config.toml ]; then printf 'config\t%s\n' "$(base64 -w0 < /etc/vgpu_unlock/config.toml)"; fi
        # sysfs attributes and parent folders with shell built-ins (read, ${d%/*}): no process per device or folder
        for d in /sys/bus/pci/devices/*; do
          vendor='' class='' device=''
          read -r vendor 2>/dev/null < "$d/vendor"
          [ "$vendor" = 0x10de ] || continue
          read -r class 2>/dev/null < "$d/class"
          case $class in 0x03*) ;; *) continue;; esac
          [ -e "$d/physfn" ] && continue
          read -r device 2>/dev/null < "$d/device"
          printf 'gpu\t%s\t%s\n' "${d##*/}" "$device"
        done
        missing() {
          local d=$1
          while [ -n "$d" ] && [ "$d" != / ] && [ "$d" != . ]; do
            [ -d "$d" ] || printf 'missing\t%s\n' "$d"
            case $d in */*) d=${d%/*};; *) d=.;; esac
          done
        }
        case $lib in */*) missing "${lib%/*}";; esac
        missing /etc/vgpu_unlock
        for unit in nvidia-vgpud.service nvidia-vgpu-mgr.service; do missing "/etc/systemd/system/$unit.d"; done
        exit 0
        """;

    public static RemoteCommand Command(string libraryPath) => RemoteCommand.Script(Script, libraryPath);

    public static async Task<UnlockNodeFacts> RunAsync(IRemoteShell shell, string libraryPath, CancellationToken cancellationToken)
    {
        var result = await shell.RunAsync(Command(libraryPath), cancellationToken).ConfigureAwait(false);
        return Parse(result.StandardOutput);
    }

    /// <summary>Parses the probe's output (tab-separated lines). Pure.</summary>
    public static UnlockNodeFacts Parse(string output)
    {
        string? library = null;
        string? config = null;
        string? shown = null;
        var units = ImmutableArray.CreateBuilder<string>();
        var environments = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        var dropIns = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        var gpus = ImmutableArray.CreateBuilder<UnlockGpu>();
        var missing = new List<string>();
        var modes = ImmutableSortedDictionary.CreateBuilder<string, NodeFileMode>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n'))
        {
            var f = line.TrimEnd('\r').Split('\t');
            switch (f[0])
            {
                case "lib" when f.Length >= 2 && f[1].Length == 64:
                    library = f[1].ToLowerInvariant();
                    break;
                case "units" when f.Length >= 2:
                    shown = Decode(f[1]);
                    break;
                case "dropin" when f.Length >= 3:
                    dropIns[UnitName(f[1])] = Decode(f[2]);
                    break;
                case "dropin" when f.Length == 2:
                    dropIns[UnitName(f[1])] = string.Empty;
                    break;
                case "config":
                    config = f.Length >= 2 ? Decode(f[1]) : string.Empty;
                    break;
                case "gpu" when f.Length >= 3:
                    gpus.Add(UnlockGpu.Of(f[1], f[2].Trim()));
                    break;
                case NodeFileMode.ProbeTag:
                    NodeFileMode.Collect(f, modes);
                    break;
                case "missing" when f.Length >= 2:
                    if (!missing.Contains(f[1]))
                    {
                        missing.Add(f[1]);
                    }

                    break;
            }
        }

        foreach (var (unit, loadState, environment) in Units(shown))
        {
            if (loadState == "loaded")
            {
                units.Add(unit);
            }

            environments[unit] = environment;
        }

        return new UnlockNodeFacts
        {
            LibrarySha256 = library,
            ExistingUnits = units.ToImmutable(),
            Environments = environments.ToImmutable(),
            DropIns = dropIns.ToImmutable(),
            ConfigToml = config,
            Gpus = gpus.ToImmutable(),
            MissingFolders = [.. missing],
            FileModes = modes.ToImmutable(),
        };
    }

    /// <summary>
    /// Each service of <see cref="UnlockDefinition.Units"/> with its <c>LoadState</c> and loaded <c>Environment=</c> value, from
    /// <c>systemctl show -p Id -p LoadState -p Environment</c> of both (one block per unit, in the order asked). A block is
    /// matched by its <c>Id</c>, else by its position; a unit without a block is <c>unknown</c> with no environment.
    /// </summary>
    private static IEnumerable<(string Unit, string LoadState, string Environment)> Units(string? shown)
    {
        var blocks = SystemctlShowParser.ParseMany(shown).Value;
        for (var i = 0; i < UnlockDefinition.Units.Count; i++)
        {
            var unit = UnlockDefinition.Units[i];
            var block = blocks.FirstOrDefault(b => b.Id is { } id && UnitName(id) == unit)
                ?? (i < blocks.Length && blocks[i].Id is null ? blocks[i] : null);
            yield return (unit, block?.LoadState is { Length: > 0 } load ? load : "unknown", block?.Get("Environment") ?? string.Empty);
        }
    }

    /// <summary>A unit name as systemd resolves it: <c>nvidia-vgpu-mgr</c> and <c>nvidia-vgpu-mgr.service</c> are the same unit.</summary>
    public static string UnitName(string name)
    {
        var trimmed = name.Trim();
        return trimmed.Contains('.', StringComparison.Ordinal) ? trimmed : trimmed + ".service";
    }

    private static string Decode(string base64)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(base64.Trim()));
        }
        catch (FormatException)
        {
            return string.Empty;
        }
    }
}
