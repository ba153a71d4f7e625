namespace VgpuIac.Engine.Parsing.Licensing;

/// <summary>
/// One licensing log line. <see cref="Instance"/> is the Windows <c>&lt;n&gt;</c> service instance;
/// <see cref="Server"/>, <see cref="Product"/> and <see cref="Expiry"/> (UTC) come from "(Info: ...)" parts;
/// <see cref="FromTrustedStore"/> for "acquired successfully from local trusted store".
/// </summary>
internal sealed record GridLogEvent(
    GridLogEventKind Kind,
    GridFailureReason? Reason,
    string Message,
    string Line,
    string? Timestamp,
    int? Instance,
    string? Server,
    string? Product,
    DateTimeOffset? Expiry,
    bool FromTrustedStore);
