using System.Collections.Immutable;

namespace VgpuIac.Engine.Parsing.Pve;

/// <summary>
/// An error from the PVE API or <c>pvesh</c>: HTTP status if printed, the message, and per-parameter errors
/// (<c>{"errors":{"hostpci0":"..."}}</c>). <see cref="OnlyRootForNonMappedHostPci"/> flags the root@pam rule for raw
/// <c>host=</c> devices (<see cref="HostPciKey"/> names the key).
/// </summary>
public sealed record PveApiError(
    int? HttpStatus,
    string? Message,
    ImmutableArray<KeyValuePair<string, string>> FieldErrors,
    bool OnlyRootForNonMappedHostPci,
    string? HostPciKey);
