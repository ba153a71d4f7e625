namespace VgpuIac.Engine.Host;

/// <summary>A <c>hostpciN:</c> line of a VM config; <see cref="MdevType"/> is set when it asks for a vGPU (<c>mdev=nvidia-46</c>).</summary>
internal sealed record VmHostPci(string Slot, string Value, string? MdevType);
