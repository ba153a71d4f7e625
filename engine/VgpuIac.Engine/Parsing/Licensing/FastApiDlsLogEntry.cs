namespace VgpuIac.Engine.Parsing.Licensing;

/// <summary>
/// One FastAPI-DLS server log line <c>&gt; [  origin  ]: &lt;ORIGIN&gt;: {...}</c>: the phase (origin, code, auth,
/// leases, create, ...), the origin ref, the rest, and a few fields of the origin registration when present.
/// </summary>
public sealed record FastApiDlsLogEntry(
    string Phase,
    string? OriginRef,
    string Detail,
    string? Hostname,
    string? GuestDriverVersion,
    string? HostDriverVersion,
    string? ClientPlatformId);
