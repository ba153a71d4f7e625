namespace VgpuIac.Engine.Parsing.Journal;

/// <summary>
/// One journal/syslog line (or a group of lines: continuation lines and multi-line struct dumps are joined into
/// <see cref="Message"/> with <c>\n</c>). <see cref="Timestamp"/> is the printed text; <see cref="Month"/> is null when
/// the month name is not one we know (or the line had no timestamp); <see cref="Host"/> is null when not printed.
/// <c>#012</c>-style syslog escapes are decoded.
/// </summary>
internal sealed record JournalEntry(
    string? Timestamp,
    int? Month,
    int? Day,
    TimeOnly? Time,
    string? Host,
    string Identifier,
    int? Pid,
    string Message,
    int LineNumber);
