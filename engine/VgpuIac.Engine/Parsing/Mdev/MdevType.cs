using System.Globalization;

namespace VgpuIac.Engine.Parsing.Mdev;

/// <summary>
/// One mediated-device type offered by a parent device (<c>mdevctl types</c>, sysfs <c>mdev_supported_types</c>).
/// <see cref="Parent"/> is null only when the listing was cut before the parent line.
/// </summary>
internal sealed record MdevType(
    string? Parent,
    string Id,
    int? AvailableInstances,
    string? DeviceApi,
    string? Name,
    string? Description)
{
    /// <summary>The typed NVIDIA description fields, when the description carries them.</summary>
    public MdevTypeDescription? Details => MdevTypeDescription.TryParse(Description);

    /// <summary>N for an <c>nvidia-N</c> type id (the vGPU type id), else null.</summary>
    public int? NvidiaTypeNumber =>
        Id.StartsWith("nvidia-", StringComparison.Ordinal)
        && int.TryParse(Id.AsSpan(7), NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n
            : null;
}
