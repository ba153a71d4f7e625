using VgpuIac.Engine.ProfileOverride;

namespace VgpuIac.Engine.Tests.ProfileOverride;

public sealed class ByteSizeTests
{
    [Theory]
    [InlineData("939524096", 939524096UL)]
    [InlineData(" 1234 ", 1234UL)]
    [InlineData("0x38000000", 0x38000000UL)]
    [InlineData("0XEC000000", 0xEC000000UL)]
    [InlineData("896MiB", 896UL * 1024 * 1024)]
    [InlineData("896 MiB", 896UL * 1024 * 1024)]
    [InlineData("1GiB", 1024UL * 1024 * 1024)]
    [InlineData("1.5GiB", 1536UL * 1024 * 1024)]
    [InlineData("1234kB", 1234000UL)]
    [InlineData("1234KB", 1234000UL)]
    [InlineData("2GB", 2000000000UL)]
    [InlineData("1TiB", 1024UL * 1024 * 1024 * 1024)]
    public void Parses_sizes_like_vgpu_unlock(string text, ulong bytes) => Assert.Equal(bytes, ByteSize.Parse(text, out _));

    [Theory]
    [InlineData("")]
    [InlineData("1gib")]
    [InlineData("1 GiBs")]
    [InlineData("GiB")]
    [InlineData("-1")]
    [InlineData("0xZZ")]
    [InlineData("1e9")]
    public void Rejects_what_vgpu_unlock_rejects(string text)
    {
        Assert.Null(ByteSize.Parse(text, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }
}
