namespace VgpuIac.Engine.Parsing.Mdev;

/// <summary>
/// One mediated device from <c>mdevctl list</c>: <see cref="StartMode"/> is <c>manual</c>/<c>auto</c> when the device
/// is defined (persistent), null for a transient one; <see cref="Active"/> says whether it exists in sysfs now.
/// </summary>
public sealed record MdevInstance(string Uuid, string Parent, string TypeId, string? StartMode, bool Active, bool Defined);
