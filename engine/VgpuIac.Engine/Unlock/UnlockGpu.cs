using VgpuIac.Engine.Host;

namespace VgpuIac.Engine.Unlock;

/// <summary>An NVIDIA display controller on the node and what the GPU table says about it.</summary>
internal sealed record UnlockGpu(string PciAddress, string DeviceId, GpuModel Model)
{
    public static UnlockGpu Of(string pciAddress, string deviceId)
    {
        var id = (deviceId.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? deviceId[2..] : deviceId).ToLowerInvariant();
        return new UnlockGpu(pciAddress, id, GpuCatalog.Classify(id, null));
    }

    public string Describe() => $"{PciAddress} 10de:{DeviceId} {Model.Name} ({Model.Architecture}, {Model.Path.ToString().ToLowerInvariant()})";
}
