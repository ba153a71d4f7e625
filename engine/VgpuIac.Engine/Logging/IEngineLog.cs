namespace VgpuIac.Engine.Logging;

/// <summary>
/// The logging seam. Terraform routes it to hclog JSON on stderr, Pulumi to the engine's log service.
/// Callers never pass secrets: <see cref="Remote.RemoteCommand"/> renders sensitive arguments as <c>***</c>.
/// </summary>
public interface IEngineLog
{
    bool IsEnabled(LogLevel level);

    void Write(LogLevel level, string message, IReadOnlyList<KeyValuePair<string, object?>>? fields = null);

    /// <summary>Progress of long work (upload %, installer phase, waiting for reboot), shown to the user.</summary>
    void Progress(string operation, string message, double? fraction = null);
}
