namespace VgpuIac.Engine.Parsing.KeyValue;

/// <summary><c>virsh nodedev-info</c> of an mdev (libvirt hosts): name, parent, active/persistent/autostart.</summary>
public sealed record VirshNodeDeviceInfo(string? Name, string? Parent, bool? Active, bool? Persistent, bool? Autostart);
