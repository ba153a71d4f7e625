using VgpuIac.Engine.Host;
using VgpuIac.Engine.Tests.Host;

namespace VgpuIac.Engine.Tests.Fuzz;

/// <summary>Inputs the fuzz runs found that crashed a parser, kept so that they never come back.</summary>
public sealed class FuzzRegressionTests
{
    [Fact]
    public void A_probe_whose_lspci_lists_a_device_twice_reads_it_once()
    {
        // found by FuzzParserTests (NodeFactsParser, seed 20261206 case 144): ArgumentException "same key 0000:01:00.0"
        const string device = "01:00.0 3D controller [0302]: NVIDIA Corporation GP102GL [Tesla P40] [10de:1b38] (rev a1)\n";
        var sample = ProbeSamples.FreshNode();
        var at = sample.IndexOf(device, StringComparison.Ordinal);
        Assert.True(at >= 0, "the sample's lspci section starts with the P40");

        var facts = NodeFactsParser.Parse("pve1", sample.Insert(at, device));

        var gpu = Assert.Single(facts.Gpus);
        Assert.Equal("0000:01:00.0", gpu.PciAddress);
        Assert.Equal("Tesla P40", gpu.Name);
    }

    [Theory]
    [InlineData("[profile.nvidia-46]\ncard_name = \"\\uD800\"\n", 2)]
    [InlineData("# x\ngpu_type = \"ok \\U0011FFFF\"\n", 2)]
    public void A_string_escape_that_is_no_unicode_character_is_refused_with_its_position(string text, int line)
    {
        // found by FuzzProfileOverrideTests (seed 20261206 case 68): Tomlyn threw ArgumentOutOfRangeException
        var document = VgpuIac.Engine.ProfileOverride.ProfileOverrideDocument.Parse(text, out var error);

        Assert.Null(document);
        Assert.NotNull(error);
        Assert.Equal(line, error.Line);
        Assert.True(error.Column > 1, error.ToString());
    }

    [Fact]
    public void An_lspci_device_whose_ids_follow_a_word_without_a_space_is_read()
    {
        // found by the 100000-case run of FuzzParserTests (LspciParser, case 536): ArgumentOutOfRangeException in TryDeviceLine
        var result = VgpuIac.Engine.Parsing.Pci.LspciParser.Parse("35:00.0 3D controller [0302]: NVIDIA Corporation TU[10de:1eb8] (rev a1)\n");

        var device = Assert.Single(result.Value);
        Assert.Equal("NVIDIA Corporation TU", device.Description);
        Assert.Equal("1eb8", device.DeviceId);
    }
}
