using VgpuIac.Engine.ProfileOverride;
using VgpuIac.Engine.Tests.Parsing;

namespace VgpuIac.Engine.Tests.ProfileOverride;

public sealed class ProfileOverrideDocumentTests
{
    private const string Kind = "profile-override";
    private const string ChongZhiJie = "chongzhijie-dsm-nvidia-46-plus-vm-104.txt";

    public static TheoryData<string> Samples => RealOutputs.Names(Kind);

    private static string Full(string name) => File.ReadAllText(Path.Combine(RealOutputs.Directory, Kind, name));

    private static ProfileOverrideDocument Parse(string text)
    {
        var document = ProfileOverrideDocument.Parse(text, out var error);
        Assert.True(document is not null, $"parse failed: {error}");
        return document!;
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Every_real_sample_parses_and_rewriting_each_section_with_its_own_values_changes_no_byte(string name)
    {
        var text = Full(name);
        var document = Parse(text);
        Assert.NotEmpty(document.Sections);
        foreach (var section in document.Sections)
        {
            var lookup = document.Find(section);
            Assert.True(lookup.Exists);
            Assert.Null(lookup.Uneditable);
            Assert.Equal(text, document.WithSection(section, lookup.Entries));
        }
    }

    [Fact]
    public void Reads_keys_of_a_section_with_comments_and_hex_values()
    {
        var lookup = Parse(Full(ChongZhiJie)).Find(OverrideSection.ForType("nvidia-46"));
        Assert.Equal(
            ["num_displays", "display_width", "display_height", "max_pixels", "cuda_enabled", "frl_enabled", "framebuffer", "framebuffer_reservation"],
            lookup.Entries.Select(e => e.Key));
        var framebuffer = lookup.Entries.Single(e => e.Key == "framebuffer").Value;
        Assert.Equal(0xEC000000L, framebuffer.Integer);
        Assert.Equal("0xEC000000", framebuffer.Source);
        Assert.Equal(2073600, lookup.Entries.Single(e => e.Key == "max_pixels").Value.Integer);
    }

    [Fact]
    public void Changing_one_value_replaces_only_that_value_and_keeps_its_trailing_comment()
    {
        var text = Full(ChongZhiJie);
        var document = Parse(text);
        var section = OverrideSection.ForType("nvidia-46");
        var desired = document.Find(section).Entries
            .Select(e => e.Key == "num_displays" ? e with { Value = TomlScalar.FromInteger(2, hex: false) } : e)
            .ToList();

        var edited = document.WithSection(section, desired);

        var line = "num_displays = 1 # 虚拟显示器的最大数量。";
        Assert.Contains(line, text, StringComparison.Ordinal);
        var at = text.IndexOf(line, StringComparison.Ordinal);
        Assert.Equal(text[..at] + "num_displays = 2" + text[(at + "num_displays = 1".Length)..], edited);
    }

    [Fact]
    public void Same_size_written_differently_counts_as_unchanged()
    {
        var text = "[profile.nvidia-54]\nframebuffer = 0x38000000\nframebuffer_reservation = \"128MiB\"\n";
        var document = Parse(text);
        var desired = new[]
        {
            new OverrideEntry("framebuffer", TomlScalar.FromInteger(939524096, hex: false)),
            new OverrideEntry("framebuffer_reservation", TomlScalar.FromInteger(0x8000000, hex: true)),
        };
        Assert.Equal(text, document.WithSection(OverrideSection.ForType("nvidia-54"), desired));
    }

    [Fact]
    public void Keys_are_removed_and_added_inside_the_section_only()
    {
        var text = "# head\n[profile.nvidia-46]\nnum_displays = 1\nframebuffer = 0x38000000 # fb\n\n# about vm\n[vm.100]\nfrl_enabled = 0\n";
        var document = Parse(text);
        var desired = new[]
        {
            new OverrideEntry("framebuffer", TomlScalar.FromInteger(0x38000000, hex: true)),
            new OverrideEntry("cuda_enabled", TomlScalar.FromInteger(1, hex: false)),
        };

        var edited = document.WithSection(OverrideSection.ForType("nvidia-46"), desired);

        Assert.Equal("# head\n[profile.nvidia-46]\nframebuffer = 0x38000000 # fb\ncuda_enabled = 1\n\n# about vm\n[vm.100]\nfrl_enabled = 0\n", edited);
    }

    [Fact]
    public void A_new_section_is_appended_and_removing_it_restores_the_file_byte_for_byte()
    {
        var text = Full(ChongZhiJie);
        var document = Parse(text);
        var section = OverrideSection.ForVm(205);
        var created = document.WithSection(section, [new OverrideEntry("num_displays", TomlScalar.FromInteger(1, hex: false))]);

        Assert.StartsWith(text, created, StringComparison.Ordinal);
        Assert.EndsWith("\n[vm.205]\nnum_displays = 1\n", created, StringComparison.Ordinal);
        var reparsed = Parse(created);
        Assert.Equal(text, reparsed.WithoutSection(section));
    }

    [Theory]
    [InlineData("")]
    [InlineData("# only a comment\n")]
    [InlineData("[vm.100]\nfrl_enabled = 0")]
    [InlineData("[vm.100]\nfrl_enabled = 0\n\n")]
    [InlineData("[vm.100]\nframebuffer = 1\n\n\n# trailing comment\n")]
    [InlineData("[vm.100]\r\nfrl_enabled = 0\r\n")]
    public void Create_then_delete_is_a_round_trip(string text)
    {
        var section = OverrideSection.ForType("nvidia-46");
        var created = Parse(text).WithSection(section, [new OverrideEntry("cuda_enabled", TomlScalar.FromInteger(1, hex: false))]);
        Assert.True(Parse(created).Find(section).Exists);
        Assert.Equal(text.EndsWith('\n') || text.Length == 0 ? text : text + "\n", Parse(created).WithoutSection(section));
    }

    [Fact]
    public void Deleting_a_section_keeps_every_other_byte()
    {
        var text = Full(ChongZhiJie);
        var without = Parse(text).WithoutSection(OverrideSection.ForVm(104));
        var at = text.IndexOf("\n[vm.104]", StringComparison.Ordinal) + 1;
        Assert.Equal(text[..(at - 1)], without);
        Assert.False(Parse(without).Find(OverrideSection.ForVm(104)).Exists);
        Assert.True(Parse(without).Find(OverrideSection.ForType("nvidia-46")).Exists);
    }

    [Theory]
    [InlineData("[profile.nvidia-46]\nnum_displays = = 1\n", 2, 16)]
    [InlineData("[profile.nvidia-46\nnum_displays = 1\n", 1, 19)]
    [InlineData("[vm.100]\nframebuffer = 1\n[vm.100]\nnum_displays = 1\n", 3, 1)]
    public void Invalid_toml_is_reported_with_line_and_column(string text, int line, int column)
    {
        Assert.Null(ProfileOverrideDocument.Parse(text, out var error));
        Assert.NotNull(error);
        Assert.Equal(line, error!.Line);
        Assert.Equal(column, error.Column);
    }

    [Theory]
    [InlineData("[profile]\n\"nvidia-46\" = { num_displays = 1 }\n")]
    [InlineData("[profile]\nnvidia-46.num_displays = 1\n")]
    [InlineData("profile.nvidia-46.num_displays = 1\n")]
    [InlineData("[[profile.nvidia-46]]\nnum_displays = 1\n")]
    public void Sections_written_as_dotted_keys_or_inline_tables_are_reported_not_edited(string text)
    {
        var lookup = Parse(text).Find(OverrideSection.ForType("nvidia-46"));
        Assert.True(lookup.Exists);
        Assert.NotNull(lookup.Uneditable);
    }

    [Fact]
    public void Quoted_headers_are_the_same_section()
    {
        var text = "[ profile . \"nvidia-46\" ]\nnum_displays = 1\n";
        var lookup = Parse(text).Find(OverrideSection.ForType("nvidia-46"));
        Assert.True(lookup.Exists);
        Assert.Single(lookup.Entries);
    }

    [Theory]
    [InlineData("$(reboot)")]
    [InlineData("a\"b'c\\d")]
    [InlineData("line1\nline2\r\n\ttab")]
    [InlineData("`touch /tmp/pwned`; echo ${HOME}")]
    [InlineData("\u0001\u001f control")]
    public void Hostile_strings_are_stored_literally(string hostile)
    {
        var section = OverrideSection.ForMdev("00000000-0000-0000-0000-000000000104");
        var text = ProfileOverrideDocument.Empty.WithSection(section, [new OverrideEntry("card_name", TomlScalar.FromString(hostile))]);
        var entry = Parse(text).Find(section).Entries.Single();
        Assert.Equal(hostile, entry.Value.Text);
        Assert.Equal(2, text.Count(c => c == '\n'));
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Any_section_taken_over_and_rewritten_is_put_back_byte_for_byte(string name)
    {
        var text = Full(name);
        foreach (var section in Parse(text).Sections)
        {
            var original = Parse(text).SectionText(section)!;
            Assert.StartsWith("[", original.TrimStart(), StringComparison.Ordinal);
            var taken = Parse(text).WithSection(section, [new OverrideEntry("num_displays", Scalar("4"))]);
            Assert.NotEqual(text, taken);
            Assert.Equal(text, Parse(taken).WithSectionText(section, original));

            // the section removed by hand meanwhile: it comes back at the end, nothing else changes
            var without = Parse(text).WithoutSection(section);
            var restored = Parse(without).WithSectionText(section, original);
            Assert.StartsWith(without.TrimEnd('\n'), restored, StringComparison.Ordinal);
            Assert.Equal(
                string.Join("\n", Parse(text).Find(section).Entries.Select(e => $"{e.Key} = {e.Value.Source}")),
                string.Join("\n", Parse(restored).Find(section).Entries.Select(e => $"{e.Key} = {e.Value.Source}")));
        }
    }

    [Fact]
    public void The_tutorials_hand_written_section_round_trips_with_comments()
    {
        const string Text = "# mine\n[profile.nvidia-46]\n# 1080p\ndisplay_width = 1920\ndisplay_height = 1080 # full HD\ncuda_enabled = 1\n\n[vm.104]\nframe_rate_limiter = 0\n";
        var section = OverrideSection.ForType("nvidia-46");
        var original = Parse(Text).SectionText(section)!;
        Assert.Contains("cuda_enabled = 1", original, StringComparison.Ordinal);
        Assert.DoesNotContain("[vm.104]", original, StringComparison.Ordinal);
        var taken = Parse(Text).WithSection(section, [.. Parse(Text).Find(section).Entries.Where(e => e.Key != "cuda_enabled")]);
        Assert.DoesNotContain("cuda_enabled", taken, StringComparison.Ordinal);
        Assert.Equal(Text, Parse(taken).WithSectionText(section, original));
    }

    private static TomlScalar Scalar(string integer) =>
        new() { Kind = TomlScalarKind.Integer, Integer = long.Parse(integer, System.Globalization.CultureInfo.InvariantCulture), Source = integer };
}
