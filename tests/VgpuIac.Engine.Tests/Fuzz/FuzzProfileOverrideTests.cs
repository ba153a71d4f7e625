using System.Globalization;
using System.Text;
using VgpuIac.Engine.ProfileOverride;
using VgpuIac.Engine.Tests.Parsing;
using Xunit.Abstractions;

namespace VgpuIac.Engine.Tests.Fuzz;

/// <summary>
/// The profile_override.toml editor on generated files (comments, blank lines, CRLF, top-level keys, our sections and
/// others, trailing comments) and on the real samples: setting or removing one section gives valid TOML whose bytes
/// before and after that section are the original's; any text, however broken, parses or is refused without an exception.
/// </summary>
public sealed class FuzzProfileOverrideTests(ITestOutputHelper output)
{
    private static readonly string[] Keys = ["num_displays", "display_width", "display_height", "max_pixels", "framebuffer", "framebuffer_reservation", "cuda_enabled", "frl_enabled", "frl_config", "max_instances", "card_name", "gpu_type"];

    private static readonly string[] RealSamples = [.. RealOutputs.List("profile-override").Select(n => RealOutputs.Read("profile-override", n))];

    private static string Scalar(Random random) => random.Next(6) switch
    {
        0 => random.Next(0, 100).ToString(CultureInfo.InvariantCulture),
        1 => "0x" + random.Next(1, int.MaxValue).ToString("X", CultureInfo.InvariantCulture),
        2 => "true",
        3 => TomlScalar.Quote(FuzzBudget.RandomChars(random, random.Next(12)).Replace("\u0000", string.Empty, StringComparison.Ordinal)),
        4 => "'lit " + random.Next(100).ToString(CultureInfo.InvariantCulture) + "'",
        _ => "-" + random.Next(1, 5000).ToString(CultureInfo.InvariantCulture),
    };

    private static OverrideSection RandomSection(Random random) => random.Next(3) switch
    {
        0 => OverrideSection.ForType("nvidia-" + random.Next(1, 8).ToString(CultureInfo.InvariantCulture)),
        1 => OverrideSection.ForVm(100 + random.Next(4)),
        _ => OverrideSection.ForMdev($"00000000-0000-0000-0000-00000000010{random.Next(4)}"),
    };

    /// <summary>A valid file (each table and key once) with the sections it has.</summary>
    private static string GenerateFile(Random random)
    {
        var nl = random.Next(4) == 0 ? "\r\n" : "\n";
        var sb = new StringBuilder();
        if (random.Next(2) == 0)
        {
            sb.Append("# Managed by hand").Append(nl);
        }

        foreach (var key in Keys.Take(random.Next(3)))
        {
            sb.Append("top_").Append(key).Append(" = ").Append(Scalar(random)).Append(nl);
        }

        var tables = new HashSet<string>(StringComparer.Ordinal);
        for (var t = random.Next(6); t > 0; t--)
        {
            var header = random.Next(5) == 0 ? "[other" + random.Next(3).ToString(CultureInfo.InvariantCulture) + "]" : RandomSection(random).Header;
            if (!tables.Add(header))
            {
                continue;
            }

            sb.Append(random.Next(3) == 0 ? nl : string.Empty).Append(header).Append(random.Next(4) == 0 ? "  # note" : string.Empty).Append(nl);
            foreach (var key in Keys.OrderBy(_ => random.Next()).Take(random.Next(5)))
            {
                sb.Append(key).Append(" = ").Append(Scalar(random)).Append(random.Next(5) == 0 ? " # why" : string.Empty).Append(nl);
                if (random.Next(6) == 0)
                {
                    sb.Append("# a comment line").Append(nl);
                }
            }
        }

        var text = sb.ToString();
        return random.Next(5) == 0 && text.Length > 0 ? text.TrimEnd('\r', '\n') : text;
    }

    /// <summary>Start and end (exclusive) of a section's text in a file of one-line entries: its header line up to the next header.</summary>
    private static (int Start, int End)? Span(string text, OverrideSection section)
    {
        var start = -1;
        var offset = 0;
        foreach (var line in text.Split('\n'))
        {
            var trimmed = line.TrimStart();
            if (trimmed.StartsWith('['))
            {
                if (start >= 0)
                {
                    return (start, offset);
                }

                if (trimmed.TrimEnd('\r').Split('#')[0].Trim() == section.Header)
                {
                    start = offset;
                }
            }

            offset += line.Length + 1;
        }

        return start >= 0 ? (start, text.Length) : null;
    }

    private static List<OverrideEntry> Desired(Random random) =>
        [.. Keys.OrderBy(_ => random.Next()).Take(random.Next(1, 5)).Select(k => new OverrideEntry(k, random.Next(2) == 0 ? TomlScalar.FromInteger(random.Next(0, 1 << 30), hex: random.Next(2) == 0) : TomlScalar.FromString(FuzzBudget.RandomChars(random, random.Next(8)))))];

    [Fact]
    public void Setting_or_removing_a_section_keeps_every_byte_outside_it_and_gives_valid_toml()
    {
        FuzzBudget.Run(output, "profile_override.toml editor (set/remove a section)", 200, (random, i) =>
        {
            var text = random.Next(4) == 0 && RealSamples.Length > 0 ? RealSamples[random.Next(RealSamples.Length)] : GenerateFile(random);
            var document = ProfileOverrideDocument.Parse(text, out var error);
            Assert.True(document is not null, $"case {i}: the generated file is valid TOML but was refused ({error}):\n{FuzzParserTests.Escape(text)}");
            var section = random.Next(4) == 0 && document.Sections.Length > 0 ? document.Sections[random.Next(document.Sections.Length)] : RandomSection(random);
            var span = Span(text, section);
            var others = document.Sections.Where(s => s != section).ToDictionary(s => s, s => FuzzParserTests.Dump(document.Find(s).Entries));

            var remove = random.Next(4) == 0;
            var desired = Desired(random);
            var edited = remove ? document.WithoutSection(section) : document.WithSection(section, desired);
            var context = $"case {i} (seed {FuzzBudget.Seed}): {(remove ? "remove" : "set")} {section.Header}\nbefore: {FuzzParserTests.Escape(text)}\nafter:  {FuzzParserTests.Escape(edited)}";

            var reparsed = ProfileOverrideDocument.Parse(edited, out var editedError);
            Assert.True(reparsed is not null, $"{context}\nthe edit is not valid TOML: {editedError}");
            if (span is { } s)
            {
                Assert.True(edited.StartsWith(text[..s.Start].TrimEnd('\r', '\n'), StringComparison.Ordinal), $"{context}\nthe text before the section changed");
                Assert.True(edited.EndsWith(text[s.End..], StringComparison.Ordinal), $"{context}\nthe text after the section changed");
            }
            else
            {
                Assert.True(edited.StartsWith(text.TrimEnd('\r', '\n'), StringComparison.Ordinal), $"{context}\nthe text before the appended section changed");
            }

            var found = reparsed.Find(section);
            if (remove)
            {
                Assert.False(found.Exists, $"{context}\nthe section is still there");
            }
            else
            {
                Assert.True(found.Exists, context);
                // keys already there keep their place, new ones are added after them: compare regardless of order
                Assert.Equal(desired.Select(e => (e.Key, e.Value.Kind, e.Value.Integer, e.Value.Text)).OrderBy(e => e.Key, StringComparer.Ordinal),
                    found.Entries.Select(e => (e.Key, e.Value.Kind, e.Value.Integer, e.Value.Text)).OrderBy(e => e.Key, StringComparer.Ordinal));
            }

            foreach (var (other, entries) in others)
            {
                Assert.True(entries == FuzzParserTests.Dump(reparsed.Find(other).Entries), $"{context}\n{other.Header} changed");
            }
        });
    }

    [Fact]
    public void Any_text_parses_or_is_refused_with_a_position_never_an_exception()
    {
        var refused = 0;
        FuzzBudget.Run(output, "profile_override.toml parse (mutated and random text)", 200, (random, i) =>
        {
            var valid = random.Next(3) == 0 && RealSamples.Length > 0 ? RealSamples[random.Next(RealSamples.Length)] : GenerateFile(random);
            var text = FuzzBudget.Text(random, [valid]);
            ProfileOverrideDocument? document;
            TomlSyntaxError? error;
            try
            {
                document = ProfileOverrideDocument.Parse(text, out error);
            }
            catch (Exception e)
            {
                Assert.Fail($"case {i} (seed {FuzzBudget.Seed}): Parse threw {e.GetType().Name}: {e.Message}\ninput: {FuzzParserTests.Escape(text)}");
                return;
            }

            if (document is null)
            {
                refused++;
                Assert.NotNull(error);
                Assert.True(error.Line >= 1 && error.Column >= 1, $"case {i}: error position {error}");
                return;
            }

            // a file that is still valid can be edited, and the edit is valid
            var edited = document.WithSection(RandomSection(random), Desired(random));
            Assert.True(ProfileOverrideDocument.Parse(edited, out var editedError) is not null, $"case {i} (seed {FuzzBudget.Seed}): editing a valid file gave invalid TOML ({editedError})\nbefore: {FuzzParserTests.Escape(text)}\nafter:  {FuzzParserTests.Escape(edited)}");
        });
        FuzzBudget.Report(output, $"profile_override.toml parse: {refused} texts refused as invalid");
    }
}
