namespace VgpuIac.Engine.Parsing.Pve;

/// <summary>One classified line of start output; <see cref="MdevUuid"/> when the line names an mdev.</summary>
internal sealed record QmStartIssue(QmStartIssueKind Kind, string Line, string? MdevUuid);
