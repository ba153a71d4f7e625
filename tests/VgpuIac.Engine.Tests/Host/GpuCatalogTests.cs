using VgpuIac.Engine.Host;

namespace VgpuIac.Engine.Tests.Host;

public sealed class GpuCatalogTests
{
    [Theory]
    [InlineData("1b38", "Tesla P40", "pascal", VgpuPath.Native)]
    [InlineData("0x1BB3", "Tesla P4", "pascal", VgpuPath.Native)]
    [InlineData("1eb8", "Tesla T4", "turing", VgpuPath.Native)]
    [InlineData("1e04", "GeForce RTX 2080 Ti", "turing", VgpuPath.Unlockable)]
    [InlineData("1b80", "GeForce GTX 1080", "pascal", VgpuPath.Unlockable)]
    [InlineData("13c0", "GeForce GTX 980", "maxwell", VgpuPath.Unlockable)]
    [InlineData("13c2", "GeForce GTX 970", "maxwell", VgpuPath.Unsupported)]
    [InlineData("2236", "A10", "ampere", VgpuPath.Sriov)]
    [InlineData("27b8", "L4", "ada", VgpuPath.Sriov)]
    [InlineData("2206", "GeForce RTX 3080", "ampere", VgpuPath.Unsupported)]
    [InlineData("2684", "GeForce RTX 4090", "ada", VgpuPath.Unsupported)]
    public void KnownDevices(string id, string name, string architecture, VgpuPath path)
    {
        var model = GpuCatalog.Classify(id, null);

        Assert.Equal((name, architecture, path), (model.Name, model.Architecture, model.Path));
    }

    [Fact]
    public void UnknownGeForceOnAmpereIsUnsupported()
    {
        var model = GpuCatalog.Classify("2299", "NVIDIA Corporation GA102 [GeForce RTX 3090 Custom] [10de:2299] (rev a1)");

        Assert.Equal(("GeForce RTX 3090 Custom", "ampere", VgpuPath.Unsupported), (model.Name, model.Architecture, model.Path));
    }

    [Fact]
    public void UnknownDeviceWithoutChipNameIsUnknown()
    {
        var model = GpuCatalog.Classify("9999", "NVIDIA Corporation Device [10de:9999]");

        Assert.Equal(("unknown", VgpuPath.Unknown, "unknown"), (model.Architecture, model.Path, model.Path.ToName()));
    }

    [Fact]
    public void TableHasNoDuplicateIds()
    {
        var duplicates = GpuCatalog.Models.GroupBy(m => m.DeviceId).Where(g => g.Count() > 1).Select(g => g.Key);

        Assert.Empty(duplicates);
        Assert.All(GpuCatalog.Models, m => Assert.Matches("^[0-9a-f]{4}$", m.DeviceId));
    }
}
