namespace VgpuIac.Engine.Host;

/// <summary>A live mediated device (<c>/sys/bus/mdev/devices/&lt;uuid&gt;</c>).</summary>
internal sealed record LiveMdev(string Uuid, string? Parent, string? TypeId);
