using System.Collections.Immutable;
using VgpuIac.Engine.Parsing.Systemd;

namespace VgpuIac.Engine.Unlock;

/// <summary>
/// The systemd drop-in <c>vgpu_unlock.conf</c>: what the provider writes, and whether a drop-in found on a node says the
/// same thing. Two drop-ins are the same when systemd reads the same directives from them: comments, blank lines, spaces
/// around <c>=</c>, quoting of the assignment and the order of lines do not matter. Pure.
/// </summary>
internal static class UnlockDropIn
{
    /// <summary>The drop-in the provider writes for every service.</summary>
    public static string Content(string libraryPath) =>
        $"# Managed by VgpuIac (vgpu_unlock): preload vgpu_unlock-rs into this NVIDIA vGPU service.\n[Service]\nEnvironment=LD_PRELOAD={libraryPath}\n";

    /// <summary>
    /// True when <paramref name="text"/> has exactly the provider's directives: a <c>[Service]</c> section whose only
    /// setting is an environment with the single assignment <c>LD_PRELOAD=<paramref name="libraryPath"/></c>.
    /// </summary>
    public static bool Equivalent(string text, string libraryPath)
    {
        var directives = Directives(text);
        if (directives.IsEmpty || directives.Any(d => d.Section != "Service" || d.Key != "Environment"))
        {
            return false;
        }

        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var directive in directives)
        {
            if (directive.Value.Length == 0)
            {
                environment.Clear(); // an empty Environment= resets the list
                continue;
            }

            foreach (var (name, value) in SystemdEnvironment.Parse(directive.Value))
            {
                environment[name] = value;
            }
        }

        return environment.Count == 1 && environment.TryGetValue("LD_PRELOAD", out var preload) && string.Equals(preload, libraryPath, StringComparison.Ordinal);
    }

    /// <summary>
    /// The directives of a unit file in order: section, key and value with surrounding spaces removed; comments
    /// (<c>#</c>, <c>;</c>) and blank lines skipped; a line ending in a backslash continues on the next line.
    /// </summary>
    public static ImmutableArray<(string Section, string Key, string Value)> Directives(string text)
    {
        var result = ImmutableArray.CreateBuilder<(string, string, string)>();
        var section = string.Empty;
        var pending = string.Empty;
        foreach (var raw in text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            var line = pending + raw;
            pending = string.Empty;
            var trimmed = line.Trim();
            if (trimmed.Length == 0 || trimmed[0] is '#' or ';')
            {
                continue;
            }

            if (trimmed.EndsWith('\\'))
            {
                pending = trimmed[..^1] + " ";
                continue;
            }

            if (trimmed[0] == '[' && trimmed[^1] == ']')
            {
                section = trimmed[1..^1].Trim();
                continue;
            }

            var eq = trimmed.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                result.Add((section, trimmed, string.Empty));
                continue;
            }

            result.Add((section, trimmed[..eq].Trim(), trimmed[(eq + 1)..].Trim()));
        }

        if (pending.Trim().Length > 0)
        {
            var eq = pending.IndexOf('=', StringComparison.Ordinal);
            result.Add(eq <= 0 ? (section, pending.Trim(), string.Empty) : (section, pending[..eq].Trim(), pending[(eq + 1)..].Trim()));
        }

        return result.ToImmutable();
    }
}
