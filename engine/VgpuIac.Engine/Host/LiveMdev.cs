namespace VgpuIac.Engine.Host;

/// <summary>A live mediated device (<c>/sys/bus/mdev/devices/&lt;uuid&gt;</c>).</summary>
public sealed record LiveMdev(string Uuid, string? Parent, string? TypeId);
