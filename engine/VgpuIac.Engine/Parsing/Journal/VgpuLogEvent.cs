namespace VgpuIac.Engine.Parsing.Journal;

/// <summary>
/// A classified vGPU log entry. Fields are filled when the line carries them: <see cref="MdevUuid"/>,
/// <see cref="VgpuTypeId"/> (start calls), <see cref="Profile"/> (e.g. <c>nvidia-662</c>), <see cref="Field"/>,
/// <see cref="OldValue"/>, <see cref="NewValue"/> (override patches), <see cref="Value"/> (error code, licence state,
/// guest driver version).
/// </summary>
internal sealed record VgpuLogEvent(
    VgpuLogEventKind Kind,
    JournalEntry Entry,
    string? MdevUuid,
    int? VgpuTypeId,
    string? Profile,
    string? Field,
    string? OldValue,
    string? NewValue,
    string? Value);
