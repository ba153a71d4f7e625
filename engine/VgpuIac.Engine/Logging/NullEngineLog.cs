namespace VgpuIac.Engine.Logging;

/// <summary>A log that drops everything (tests, tools that have nowhere to log).</summary>
public sealed class NullEngineLog : IEngineLog
{
    /// <summary>The one instance.</summary>
    public static NullEngineLog Instance { get; } = new();

    /// <inheritdoc/>
    public bool IsEnabled(LogLevel level) => false;

    /// <inheritdoc/>
    public void Write(LogLevel level, string message, IReadOnlyList<KeyValuePair<string, object?>>? fields = null)
    {
    }

    /// <inheritdoc/>
    public void Progress(string operation, string message, double? fraction = null)
    {
    }
}
