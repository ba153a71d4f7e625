namespace VgpuIac.Engine.Logging;

public sealed class NullEngineLog : IEngineLog
{
    public static NullEngineLog Instance { get; } = new();

    public bool IsEnabled(LogLevel level) => false;

    public void Write(LogLevel level, string message, IReadOnlyList<KeyValuePair<string, object?>>? fields = null)
    {
    }

    public void Progress(string operation, string message, double? fraction = null)
    {
    }
}
