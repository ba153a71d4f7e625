using System.Collections.Immutable;

namespace VgpuIac.Engine.Parsing.Journal;

/// <summary>
/// Parsed journal text: the entries, the <c>-- Logs begin at ... --</c> / <c>-- Journal begins at ... --</c> /
/// <c>-- Boot ... --</c> lines, and lines that were neither (prompts, noise).
/// </summary>
internal sealed record JournalLog(ImmutableArray<JournalEntry> Entries, ImmutableArray<string> Headers, ImmutableArray<string> OtherLines);
