using System.Collections.Concurrent;
using VgpuIac.Engine.Logging;

namespace VgpuIac.Engine.Tests.Support;

/// <summary>An engine log that keeps every line, for assertions (e.g. that no secret was logged).</summary>
public sealed class TestLog : IEngineLog
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public string All => string.Join('\n', _lines);

    public bool IsEnabled(LogLevel level) => true;

    public void Write(LogLevel level, string message, IReadOnlyList<KeyValuePair<string, object?>>? fields = null) =>
        _lines.Enqueue($"{level}: {message}" + (fields is null ? string.Empty : " " + string.Join(' ', fields.Select(f => $"{f.Key}={f.Value}"))));

    public void Progress(string operation, string message, double? fraction = null) =>
        _lines.Enqueue($"progress {operation}: {message}{(fraction is null ? string.Empty : $" {fraction:P0}")}");
}
