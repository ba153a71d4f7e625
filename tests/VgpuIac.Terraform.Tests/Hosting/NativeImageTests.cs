using System.Buffers.Binary;
using System.Text;
using VgpuIac.Terraform.Tests.Support;

namespace VgpuIac.Terraform.Tests.Hosting;

/// <summary>
/// The published provider is linked the way its start and exit were measured (project file, make bench): an executable at
/// a fixed address (ELF type EXEC, not a position-independent DYN) whose runtime type data is not "dehydrated" (no
/// <c>.hydrated</c> section that every start fills with 6.8 MB of private memory). Dropping either setting costs ~6 ms
/// per start and ~1 ms per exit, and Terraform starts the provider 3-4 times per command.
/// </summary>
public sealed class NativeImageTests
{
    [PublishedProviderFact]
    public void The_published_provider_is_a_fixed_address_executable_without_a_hydrated_section()
    {
        var elf = File.ReadAllBytes(ProviderBinary.Path);
        Assert.True(elf.AsSpan(0, 4).SequenceEqual("\u007fELF"u8), $"{ProviderBinary.Path} is not an ELF file");
        Assert.Equal(2, elf[4]); // 64-bit
        Assert.Equal(1, elf[5]); // little-endian

        const ushort EtExec = 2;
        var type = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(16));
        Assert.True(type == EtExec, $"ELF type {type}: the provider is position-independent (PositionIndependentExecutable=false is missing)");

        var sections = SectionNames(elf);
        Assert.Contains(".text", sections);
        Assert.DoesNotContain(".hydrated", sections);
    }

    /// <summary>The section names from the section header table and its string table.</summary>
    private static List<string> SectionNames(byte[] elf)
    {
        var shoff = (int)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(0x28));
        var shentsize = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(0x3A));
        var shnum = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(0x3C));
        var shstrndx = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(0x3E));
        var strtab = elf.AsSpan(shoff + (shstrndx * shentsize));
        var strOffset = (int)BinaryPrimitives.ReadUInt64LittleEndian(strtab[0x18..]);
        var names = new List<string>(shnum);
        for (var i = 0; i < shnum; i++)
        {
            var nameOffset = strOffset + (int)BinaryPrimitives.ReadUInt32LittleEndian(elf.AsSpan(shoff + (i * shentsize)));
            var end = Array.IndexOf(elf, (byte)0, nameOffset);
            names.Add(Encoding.ASCII.GetString(elf, nameOffset, end - nameOffset));
        }

        return names;
    }
}

/// <summary>
/// A fact about the Native AOT publish of the provider (what <c>make test</c> and CI test, through
/// <c>VGPU_PROVIDER_BINARY</c>); skipped with the reason when the tests drive the JIT build instead (<c>make test-unit</c>).
/// </summary>
public sealed class PublishedProviderFactAttribute : FactAttribute
{
    public PublishedProviderFactAttribute()
    {
        if (!NativeImage.IsPublished)
        {
            Skip = $"needs the Native AOT publish of the provider (make provider; make test sets VGPU_PROVIDER_BINARY), found {ProviderBinary.Path}";
        }
    }
}

/// <summary>Whether the tests drive the Native AOT publish of the provider rather than the JIT build.</summary>
public static class NativeImage
{
    public static bool IsPublished => !File.Exists(ProviderBinary.Path + ".dll") && File.Exists(ProviderBinary.Path);
}
