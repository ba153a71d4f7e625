using System.Collections.Immutable;

namespace VgpuIac.Engine.Parsing.Installer;

/// <summary>Reads NVIDIA <c>.run</c> installer output or its log and classifies the failure.</summary>
public static class NvidiaInstallerParser
{
    public static ParseResult<InstallerReport> Parse(string? text)
    {
        var notes = new ParseNotes();
        var errors = new List<string>();
        string? version = null, loadError = null;
        var lines = TextLines.Split(text);
        var inError = false;
        foreach (var raw in lines)
        {
            var t = raw.Trim();
            if (t.StartsWith("installer version:", StringComparison.Ordinal))
            {
                version = t["installer version:".Length..].Trim();
            }

            if (t.StartsWith("-> Kernel module load error:", StringComparison.Ordinal))
            {
                loadError = t["-> Kernel module load error:".Length..].Trim();
            }

            if (t.StartsWith("ERROR:", StringComparison.Ordinal))
            {
                errors.Add(t["ERROR:".Length..].Trim());
                inError = true;
                continue;
            }

            if (inError && raw.Length > 0 && char.IsWhiteSpace(raw[0]) && t.Length > 0)
            {
                errors[^1] += " " + t;
                continue;
            }

            inError = false;
        }

        var all = string.Join('\n', errors) + "\n" + (text ?? string.Empty);
        var failure = errors.Count == 0 && loadError is null ? InstallerFailureKind.None : Classify(all);
        string? module = null;
        foreach (var e in errors)
        {
            var q = e.IndexOf("module '", StringComparison.Ordinal);
            if (q >= 0)
            {
                var rest = e[(q + 8)..];
                var end = rest.IndexOf('\'', StringComparison.Ordinal);
                module = end > 0 ? rest[..end] : null;
                break;
            }
        }

        if (errors.Any(e => e.EndsWith('>')))
        {
            notes.Warn("an ERROR line was cut by a pager ('>')");
        }

        return notes.Result(new InstallerReport(failure, module, [.. errors], version, loadError));
    }

    private static InstallerFailureKind Classify(string s)
    {
        bool Has(string x) => s.Contains(x, StringComparison.OrdinalIgnoreCase);
        if (Has("Nouveau kernel driver is currently in use"))
        {
            return InstallerFailureKind.NouveauInUse;
        }

        if (Has("appears to already be loaded"))
        {
            return InstallerFailureKind.ModuleAlreadyLoaded;
        }

        if (Has("Unable to find the kernel source tree") || Has("kernel headers") || Has("Kernel source path") || Has("unable to determine the kernel source"))
        {
            return InstallerFailureKind.KernelHeadersMissing;
        }

        if (Has("module verification failed") || Has("Key was rejected by service") || Has("Required key not available"))
        {
            return InstallerFailureKind.ModuleSignatureRejected;
        }

        if (Has("Unable to load the kernel module"))
        {
            return InstallerFailureKind.KernelModuleLoadFailed;
        }

        if (Has("not supported by this driver") || Has("unsupported kernel") || Has("Kernel version is too new") || Has("is not supported"))
        {
            return InstallerFailureKind.UnsupportedKernel;
        }

        if (Has("\"Building kernel modules\"") || Has("Unable to build the NVIDIA kernel module") || Has("was successfully built"))
        {
            return InstallerFailureKind.KernelModuleBuildFailed;
        }

        return InstallerFailureKind.Other;
    }
}
