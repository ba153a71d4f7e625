using System.Collections.Immutable;

namespace VgpuIac.Engine.Parsing.Pve;

/// <summary>
/// Reads <c>qm start</c> output / a VM start task log and classifies each line. The task log ends with
/// <c>TASK ERROR: start failed: ...</c>; <c>qm start</c> on the command line ends with the bare
/// <c>start failed: QEMU exited with code 1</c>. Both give the same <see cref="QmStartReport.TaskError"/>.
/// </summary>
internal static class QmStartParser
{
    private const string TaskErrorPrefix = "TASK ERROR:";

    public static ParseResult<QmStartReport> Parse(string? text)
    {
        var notes = new ParseNotes();
        var issues = ImmutableArray.CreateBuilder<QmStartIssue>();
        string? taskError = null;
        foreach (var raw in TextLines.Split(text))
        {
            var line = raw.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var kind = Classify(line);
            if (kind == QmStartIssueKind.TaskError)
            {
                taskError = line.StartsWith(TaskErrorPrefix, StringComparison.Ordinal) ? line[TaskErrorPrefix.Length..].Trim() : line;
            }

            issues.Add(new QmStartIssue(kind, line, FindUuid(line)));
        }

        return notes.Result(new QmStartReport(issues.ToImmutable(), taskError));
    }

    public static QmStartIssueKind Classify(string line)
    {
        if (line.StartsWith(TaskErrorPrefix, StringComparison.Ordinal) || line.StartsWith("start failed:", StringComparison.Ordinal))
        {
            return QmStartIssueKind.TaskError;
        }

        if (line.Contains("already existed, using it", StringComparison.Ordinal))
        {
            return QmStartIssueKind.MdevReused;
        }

        if (line.Contains("Device or resource busy", StringComparison.Ordinal) || line.Contains("is already in use", StringComparison.Ordinal))
        {
            return QmStartIssueKind.MdevInUse;
        }

        if (line.Contains("no available instance", StringComparison.OrdinalIgnoreCase)
            || line.Contains("no free", StringComparison.OrdinalIgnoreCase))
        {
            return QmStartIssueKind.NoFreeInstance;
        }

        if ((line.Contains("mdev instance type", StringComparison.Ordinal) && line.Contains("not found", StringComparison.Ordinal))
            || line.StartsWith("can't create mdev instance", StringComparison.Ordinal))
        {
            return QmStartIssueKind.TypeNotCreatable;
        }

        if (line.Contains("error getting device from group", StringComparison.Ordinal)
            || line.StartsWith("Verify all devices in group", StringComparison.Ordinal))
        {
            return QmStartIssueKind.VfioGroupError;
        }

        if (line.Contains("failed to read device config space", StringComparison.Ordinal))
        {
            return QmStartIssueKind.VfioConfigSpaceError;
        }

        if (line.Contains("q35 machine model is not enabled", StringComparison.Ordinal))
        {
            return QmStartIssueKind.Q35Required;
        }

        if (line.Contains("IOMMU not present", StringComparison.OrdinalIgnoreCase)
            || line.Contains("cannot prepare PCI pass-through", StringComparison.Ordinal))
        {
            return QmStartIssueKind.IommuMissing;
        }

        if (line.Contains(": warning:", StringComparison.Ordinal) || line.StartsWith("warning:", StringComparison.OrdinalIgnoreCase))
        {
            return QmStartIssueKind.Warning;
        }

        if (line.StartsWith("kvm:", StringComparison.Ordinal) || line.StartsWith("qemu", StringComparison.OrdinalIgnoreCase))
        {
            return QmStartIssueKind.QemuError;
        }

        return QmStartIssueKind.Other;
    }

    /// <summary>The first UUID-shaped word in a line (mdev ids), lowercased.</summary>
    internal static string? FindUuid(string line)
    {
        for (var i = 0; i + 36 <= line.Length; i++)
        {
            if ((i == 0 || !char.IsAsciiHexDigit(line[i - 1])) && line[i + 8] == '-' && Guid.TryParseExact(line.AsSpan(i, 36), "D", out _)
                && (i + 36 == line.Length || !char.IsAsciiHexDigit(line[i + 36])))
            {
                return line.Substring(i, 36).ToLowerInvariant();
            }
        }

        return null;
    }
}
