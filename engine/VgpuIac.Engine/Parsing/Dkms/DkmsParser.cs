using System.Collections.Immutable;

namespace VgpuIac.Engine.Parsing.Dkms;

/// <summary>Reads <c>dkms status</c> (old comma and new slash formats). dkms' build errors reach the user through the installer's log (<see cref="Installer.NvidiaInstallerParser"/>).</summary>
internal static class DkmsParser
{
    public static ParseResult<ImmutableArray<DkmsModuleStatus>> ParseStatus(string? text)
    {
        var notes = new ParseNotes();
        var list = ImmutableArray.CreateBuilder<DkmsModuleStatus>();
        var lineNo = 0;
        foreach (var raw in TextLines.Split(text))
        {
            lineNo++;
            var line = raw.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var colon = line.LastIndexOf(": ", StringComparison.Ordinal);
            if (colon < 0 && !line.EndsWith(':'))
            {
                // "nvidia/535.129.03, 6.8.12-4-pve, x86_64:installed" (no space after the colon)
                colon = line.LastIndexOf(':');
            }

            if (colon < 0 || line.EndsWith(':'))
            {
                notes.Warn($"line {lineNo}: not a dkms status line: '{line}'");
                continue;
            }

            var head = line[..colon];
            var statusText = line[(colon + 1)..].Trim();
            string? warning = null;
            var paren = statusText.IndexOf('(', StringComparison.Ordinal);
            if (paren >= 0)
            {
                warning = statusText[(paren + 1)..].TrimEnd(')').Trim();
                statusText = statusText[..paren].Trim();
            }

            var parts = head.Split(',', StringSplitOptions.TrimEntries);
            string module, version;
            int next;
            var slash = parts[0].IndexOf('/', StringComparison.Ordinal);
            if (slash > 0)
            {
                module = parts[0][..slash];
                version = parts[0][(slash + 1)..];
                next = 1;
            }
            else if (parts.Length >= 2)
            {
                module = parts[0];
                version = parts[1];
                next = 2;
            }
            else
            {
                notes.Warn($"line {lineNo}: not a dkms status line: '{line}'");
                continue;
            }

            if (module.Contains(' ', StringComparison.Ordinal))
            {
                notes.Warn($"line {lineNo}: not a dkms status line: '{line}'");
                continue;
            }

            list.Add(new DkmsModuleStatus(module, version, parts.Length > next ? parts[next] : null, parts.Length > next + 1 ? parts[next + 1] : null, statusText, warning));
        }

        return notes.Result(list.ToImmutable());
    }
}
