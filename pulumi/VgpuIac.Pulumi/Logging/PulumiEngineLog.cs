using System.Globalization;
using System.Text;
using VgpuIac.Engine.Logging;
using VgpuIac.Pulumi.Rpc;
using LogLevel = VgpuIac.Engine.Logging.LogLevel;

namespace VgpuIac.Pulumi.Logging;

/// <summary>
/// The engine's logging seam routed to where a Pulumi user sees it: info, warnings and errors through
/// <c>Engine.Log</c> (attached to <see cref="Urn"/> when set), progress as ephemeral status lines, debug and trace
/// to stderr. Callers never pass secrets (see <see cref="IEngineLog"/>).
/// </summary>
public sealed class PulumiEngineLog : IEngineLog
{
    private readonly EngineLogSink _sink;

    public PulumiEngineLog(EngineLogSink sink, string urn = "")
    {
        _sink = sink;
        Urn = urn;
    }

    public string Urn { get; }

    public bool IsEnabled(LogLevel level) => true;

    public void Write(LogLevel level, string message, IReadOnlyList<KeyValuePair<string, object?>>? fields = null)
    {
        var text = Provider.PulumiWording.Neutral(WithFields(message, fields));
        switch (level)
        {
            case LogLevel.Trace or LogLevel.Debug:
                _sink.Debug($"[{level}] {text}");
                break;
            default:
                _sink.Send(new LogRequest
                {
                    Severity = level switch
                    {
                        LogLevel.Warn => LogSeverity.Warning,
                        LogLevel.Error => LogSeverity.Error,
                        _ => LogSeverity.Info,
                    },
                    Message = text,
                    Urn = Urn,
                });
                break;
        }
    }

    public void Progress(string operation, string message, double? fraction = null)
    {
        var text = fraction is { } f
            ? $"{operation}: {message} ({(f * 100).ToString("0", CultureInfo.InvariantCulture)}%)"
            : $"{operation}: {message}";
        _sink.Send(new LogRequest { Severity = LogSeverity.Info, Message = Provider.PulumiWording.Neutral(text), Urn = Urn, Ephemeral = true });
    }

    private static string WithFields(string message, IReadOnlyList<KeyValuePair<string, object?>>? fields)
    {
        if (fields is null || fields.Count == 0)
        {
            return message;
        }

        var sb = new StringBuilder(message);
        foreach (var (key, value) in fields)
        {
            sb.Append(' ').Append(key).Append('=').Append(Convert.ToString(value, CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }
}
