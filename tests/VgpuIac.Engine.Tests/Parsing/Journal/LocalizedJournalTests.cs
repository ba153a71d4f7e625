using VgpuIac.Engine.HostDriver;
using VgpuIac.Engine.Parsing.Journal;
using VgpuIac.Engine.Tests.Support;
using VgpuIac.NodeSim;

namespace VgpuIac.Engine.Tests.Parsing.Journal;

/// <summary>
/// Journals printed in the reader's locale: journalctl prints glibc's abbreviated month names (<c>Dez 06</c>,
/// <c>déc. 06</c>, <c>dic 06</c>), and the parser reads every one of them as its month.
/// </summary>
public sealed class LocalizedJournalTests
{
    /// <summary>glibc's <c>abmon</c> of each locale, January first (the simulated journalctl prints the same).</summary>
    private static readonly Dictionary<string, string[]> Abmon = new(StringComparer.Ordinal)
    {
        ["C"] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
        ["de_DE"] = ["Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez"],
        ["fr_FR"] = ["janv.", "févr.", "mars", "avril", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."],
        ["es_ES"] = ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"],
        ["it_IT"] = ["gen", "feb", "mar", "apr", "mag", "giu", "lug", "ago", "set", "ott", "nov", "dic"],
        ["pt_BR"] = ["jan", "fev", "mar", "abr", "mai", "jun", "jul", "ago", "set", "out", "nov", "dez"],
        ["pl_PL"] = ["sty", "lut", "mar", "kwi", "maj", "cze", "lip", "sie", "wrz", "paź", "lis", "gru"],
        ["nl_NL"] = ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"],
    };

    public static TheoryData<string> Locales => [.. Abmon.Keys];

    [Theory]
    [MemberData(nameof(Locales))]
    public void Every_month_of_every_locale_is_read_as_its_month(string locale)
    {
        var names = Abmon[locale];
        var text = string.Join('\n', names.Select((m, i) => $"{m} {i + 1:00} 08:00:01 pve nvidia-vgpu-mgr[2177]: error: vmiop_log: month {i + 1}"));

        var r = JournalParser.Parse(text);

        Assert.True(r.IsComplete, string.Join("; ", r.Warnings));
        Assert.Equal(Enumerable.Range(1, 12), r.Value.Entries.Select(e => e.Month!.Value));
        Assert.Equal(Enumerable.Range(1, 12), r.Value.Entries.Select(e => e.Day!.Value));
        Assert.Equal(names, r.Value.Entries.Select(e => e.Timestamp!.Split(' ')[0]));
        Assert.All(r.Value.Entries, e => Assert.Equal("nvidia-vgpu-mgr", e.Identifier));
    }

    [Theory]
    [InlineData("Dez. 06 08:00:01 pve nvidia-vgpud[9]: x", 12)]
    [InlineData("DÉC. 06 08:00:01 pve nvidia-vgpud[9]: x", 12)]
    [InlineData("12月 06 08:00:01 pve nvidia-vgpud[9]: x", 12)]
    public void Case_dots_and_cjk_months_are_read(string line, int month) =>
        Assert.Equal(month, Assert.Single(JournalParser.Parse(line).Value.Entries).Month);

    [Fact]
    public void An_unknown_month_is_a_warning_not_a_guess()
    {
        var r = JournalParser.Parse("Xyz 06 08:00:01 pve nvidia-vgpud[9]: x");
        Assert.Null(Assert.Single(r.Value.Entries).Month);
        Assert.Contains(r.Warnings, w => w.Contains("unknown month 'Xyz'", StringComparison.Ordinal));
    }

    [NodeFact]
    public async Task A_node_with_a_french_locale_prints_french_months_and_the_reason_is_still_found()
    {
        await using var ctx = await NodeContext.StartAsync(new NodeOptions { Locale = "fr_FR.UTF-8" });
        await ctx.Node.ExecCheckedAsync(
            ". /usr/lib/nodesim/systemd.sh; mkdir -p \"$SD_JOURNAL\"; " +
            "sd_journal nvidia-vgpu-mgr.service 'nvidia-vgpu-mgr[2177]' 'error: vmiop_log: NVOS status 0x56' 'GPU not supported by vGPU at PCI Id: 0x1b80'");
        var month = int.Parse((await ctx.Node.ExecCheckedAsync("date +%m")).Trim(), System.Globalization.CultureInfo.InvariantCulture);

        // the product's own read of the vGPU manager's journal, over SSH (no LANG sent: the node's /etc/default/locale applies)
        var result = await ctx.Shell.RunAsync(HostDriverCommands.VgpuManagerJournal, CancellationToken.None);
        var entries = JournalParser.Parse(result.StandardOutput).Value.Entries.Where(e => e.Identifier == "nvidia-vgpu-mgr").ToList();

        Assert.Equal(2, entries.Count);
        Assert.All(entries, e => Assert.StartsWith(Abmon["fr_FR"][month - 1] + " ", e.Timestamp, StringComparison.Ordinal));
        Assert.All(entries, e => Assert.Equal(month, e.Month));
        Assert.All(entries, e => Assert.Equal("pve-sim", e.Host));
        Assert.Contains(VgpuManagerReasons.From(result.StandardOutput, null), r => r.Contains("not supported by vGPU", StringComparison.Ordinal));

        // the same journal read without the locale (a session that sends LANG=C) prints C months
        var c = await ctx.Node.ExecCheckedAsync("LANG=C journalctl -u nvidia-vgpu-mgr.service --no-pager");
        Assert.StartsWith(Abmon["C"][month - 1] + " ", c, StringComparison.Ordinal);
    }
}
