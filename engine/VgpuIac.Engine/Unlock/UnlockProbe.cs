using System.Collections.Immutable;
using System.Text;
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
        if [ -f "$lib" ]; then printf 'lib\t%s\n' "$(sha256sum -- "$lib" | cut -d' ' -f1)"; fi
        filemode "$lib"
        filemode /etc/vgpu_unlock/config.toml
        for unit in nvidia-vgpud.service nvidia-vgpu-mgr.service; do
          load='' env=''
          while IFS= read -r line; do
            case $line in LoadState=*) load=${line#LoadState=};; Environment=*) env=${line#Environment=};; esac
          done < <(systemctl show -p LoadState -p Environment "$unit" 2>/dev/null)
          printf 'unit\t%s\t%s\t%s\n' "$unit" "${load:-unknown}" "$env"
          f=/etc/systemd/system/$unit.d/vgpu_unlock.conf
          if [ -f "$f" ]; then printf 'dropin\t%s\t%s\n' "$unit" "$(base64 -w0 < "$f")"; fi
          filemode "$f"
        done
        if [ -f /etc/vgpu_unlock/config.toml ]; then printf 'config\t%s\n' "$(base64 -w0 < /etc/vgpu_unlock/config.toml)"; fi
        for d in /sys/bus/pci/devices/*; do
          [ "$(cat "$d/vendor" 2>/dev/null)" = 0x10de ] || continue
          case $(cat "$d/class" 2>/dev/null) in 0x03*) ;; *) continue;; esac
          [ -e "$d/physfn" ] && continue
          printf 'gpu\t%s\t%s\n' "${d##*/}" "$(cat "$d/device" 2>/dev/null)"
        done
        missing() {
          local d=$1
          while [ -n "$d" ] && [ "$d" != / ] && [ "$d" != . ]; do
            [ -d "$d" ] || printf 'missing\t%s\n' "$d"
            d=$(dirname -- "$d")
          done
        }
        missing "$(dirname -- "$lib")"
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
                case "unit" when f.Length >= 3:
                    if (f[2] == "loaded")
                    {
                        units.Add(UnitName(f[1]));
                    }

                    environments[UnitName(f[1])] = f.Length >= 4 ? string.Join('\t', f[3..]) : string.Empty;
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
