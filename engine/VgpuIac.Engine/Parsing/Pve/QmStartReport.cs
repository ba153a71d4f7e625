using System.Collections.Immutable;

namespace VgpuIac.Engine.Parsing.Pve;

/// <summary>What <c>qm start</c> (or the start task log) said: every classified line, and the task error if it failed.</summary>
internal sealed record QmStartReport(ImmutableArray<QmStartIssue> Issues, string? TaskError)
{
    public bool Failed => TaskError is not null || Issues.Any(i => i.Kind is not (QmStartIssueKind.MdevReused or QmStartIssueKind.Warning or QmStartIssueKind.Other));

    /// <summary>The most specific failure kind present (first non-generic error), or null when nothing failed.</summary>
    public QmStartIssueKind? PrimaryFailure =>
        Issues.Where(i => i.Kind is not (QmStartIssueKind.MdevReused or QmStartIssueKind.Warning or QmStartIssueKind.Other or QmStartIssueKind.QemuError or QmStartIssueKind.TaskError))
            .Select(i => (QmStartIssueKind?)i.Kind).FirstOrDefault()
        ?? Issues.Where(i => i.Kind is QmStartIssueKind.QemuError or QmStartIssueKind.TaskError).Select(i => (QmStartIssueKind?)i.Kind).FirstOrDefault();
}
