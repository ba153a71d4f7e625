using VgpuIac.Engine.Logging;

namespace VgpuIac.Terraform.Logging;

/// <summary>Which level the provider logs at, from <c>TF_LOG_PROVIDER_VGPU</c>, then <c>TF_LOG_PROVIDER</c>, then <c>TF_LOG</c>.</summary>
public static class HclogLevel
{
    public static readonly string[] Variables = ["TF_LOG_PROVIDER_VGPU", "TF_LOG_PROVIDER", "TF_LOG"];

    /// <summary>The minimum level to write, or null for "off" (nothing set, <c>off</c>, or an unknown word).</summary>
    public static LogLevel? FromEnvironment(Func<string, string?> getVariable)
    {
        foreach (var name in Variables)
        {
            var text = getVariable(name);
            if (!string.IsNullOrWhiteSpace(text))
            {
                return Parse(text);
            }
        }

        return null;
    }

    public static LogLevel? Parse(string text) => text.Trim().ToUpperInvariant() switch
    {
        "TRACE" or "JSON" => LogLevel.Trace,
        "DEBUG" => LogLevel.Debug,
        "INFO" => LogLevel.Info,
        "WARN" => LogLevel.Warn,
        "ERROR" => LogLevel.Error,
        _ => null,
    };

    public static string Name(LogLevel level) => level switch
    {
        LogLevel.Trace => "trace",
        LogLevel.Debug => "debug",
        LogLevel.Info => "info",
        LogLevel.Warn => "warn",
        _ => "error",
    };
}
