using System.Collections.Concurrent;
using VgpuIac.Engine.Logging;

namespace VgpuIac.Engine.Tests.Ssh;

/// <summary>An <see cref="IEngineLog"/> that keeps everything written to it.</summary>
internal sealed class RecordingLog : IEngineLog
{
    public ConcurrentQueue<(LogLevel Level, string Message, string Fields)> Entries { get; } = new();

    public ConcurrentQueue<(string Operation, string Message, double? Fraction)> ProgressReports { get; } = new();

    public string AllText => string.Join('\n', Entries.Select(e => $"{e.Level} {e.Message} {e.Fields}")) + '\n' +
        string.Join('\n', ProgressReports.Select(p => $"{p.Operation} {p.Message}"));

    public bool IsEnabled(LogLevel level) => true;

    public void Write(LogLevel level, string message, IReadOnlyList<KeyValuePair<string, object?>>? fields = null) =>
        Entries.Enqueue((level, message, fields is null ? string.Empty : string.Join(' ', fields.Select(f => $"{f.Key}={f.Value}"))));

    public void Progress(string operation, string message, double? fraction = null) =>
        ProgressReports.Enqueue((operation, message, fraction));
}
