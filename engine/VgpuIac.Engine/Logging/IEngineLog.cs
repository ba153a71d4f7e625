namespace VgpuIac.Engine.Logging;

/// <summary>
/// The logging seam. Terraform routes it to hclog JSON on stderr, Pulumi to the engine's log service.
/// Callers never pass secrets: <see cref="Remote.RemoteCommand"/> renders sensitive arguments as <c>***</c>.
/// </summary>
public interface IEngineLog
{
    /// <summary>True when a message at <paramref name="level"/> would be written (to skip building it otherwise).</summary>
    bool IsEnabled(LogLevel level);

    /// <summary>Writes one log message with optional structured <paramref name="fields"/> (never secrets).</summary>
    void Write(LogLevel level, string message, IReadOnlyList<KeyValuePair<string, object?>>? fields = null);

    /// <summary>Progress of long work (upload %, installer phase, waiting for reboot), shown to the user.</summary>
    void Progress(string operation, string message, double? fraction = null);
}
