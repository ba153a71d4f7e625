using System.Collections;
using System.Collections.Immutable;
using System.Globalization;
using System.Reflection;
using System.Text;
using VgpuIac.Engine.Host;
using VgpuIac.Engine.Parsing;
using VgpuIac.Engine.Parsing.Dkms;
using VgpuIac.Engine.Parsing.Installer;
using VgpuIac.Engine.Parsing.Journal;
using VgpuIac.Engine.Parsing.Kernel;
using VgpuIac.Engine.Parsing.KeyValue;
using VgpuIac.Engine.Parsing.Licensing;
using VgpuIac.Engine.Parsing.Mdev;
using VgpuIac.Engine.Parsing.NvidiaSmi;
using VgpuIac.Engine.Parsing.NvidiaSmi.Vgpu;
using VgpuIac.Engine.Parsing.Pci;
using VgpuIac.Engine.Parsing.Pve;
using VgpuIac.Engine.Parsing.Systemd;
using VgpuIac.Engine.Tests.Host;
using VgpuIac.Engine.Tests.Parsing;
using Xunit.Abstractions;

namespace VgpuIac.Engine.Tests.Fuzz;

/// <summary>
/// Every parser of node output, fed text built from real samples (spliced, mutated, cut, random): it never throws. And
/// a real sample cut anywhere gives either a result that says so (truncated or a warning) or exactly what the whole
/// sample gives up to the cut (the same items, fewer of them); never a value that differs without a word.
/// </summary>
public sealed class FuzzParserTests(ITestOutputHelper output)
{
    private readonly record struct Outcome(bool Cut, object? Value, bool CanSayCut);

    private sealed record Target(string Name, string[] Kinds, Func<string, Outcome> Parse);

    private static Outcome R<T>(ParseResult<T> r) => new(r.Truncated || !r.Warnings.IsDefaultOrEmpty, r.Value, CanSayCut: true);

    private static Outcome Plain(object? value) => new(false, value, CanSayCut: false);

    private static readonly Target[] Targets =
    [
        new("DkmsParser.ParseStatus", ["dkms-status"], t => R(DkmsParser.ParseStatus(t))),
        new("JournalParser", ["vgpu-journal", "systemctl-vgpu"], t => R(JournalParser.Parse(t))),
        new("VgpuLogInterpreter", ["vgpu-journal"], t => R(VgpuLogInterpreter.Parse(t))),
        new("GridLogParser", ["nvidia-gridd"], t => R(GridLogParser.Parse(t))),
        new("NvidiaInstallerParser", ["nvidia-installer"], t => R(NvidiaInstallerParser.Parse(t))),
        new("MdevctlTypesParser.ParseJson", ["mdevctl-types-json"], t => R(MdevctlTypesParser.ParseJson(t))),
        new("LspciParser", ["lspci"], t => R(LspciParser.Parse(t))),
        new("LicenceStatus.Parse", ["nvidia-smi-q-license"], t => Plain(LicenceStatus.Parse(t))),
        new("LicenceStatus.ParseExpiry", ["nvidia-smi-q-license"], t => Plain(LicenceStatus.ParseExpiry(t))),
        new("NvidiaSmiTableParser", ["nvidia-smi-host", "nvidia-smi-guest"], t => R(NvidiaSmiTableParser.Parse(t))),
        new("NvidiaSmiVgpuQueryParser", ["nvidia-smi-vgpu"], t => R(NvidiaSmiVgpuQueryParser.Parse(t))),
        new("GuestLicenceParser", ["nvidia-smi-q-license", "nvidia-smi-guest"], t => R(GuestLicenceParser.Parse(t))),
        new("KernelLogParser", ["dmesg-nvrm"], t => R(KernelLogParser.Parse(t))),
        new("VgpuManagerReasons", ["vgpu-journal", "systemctl-vgpu", "dmesg-nvrm"], t => Plain(VgpuManagerReasons.From(t, t))),
        new("HostPciParser", ["qm-config"], t => R(HostPciParser.Parse(t))),
        new("QmStartParser", ["qm-start"], t => R(QmStartParser.Parse(t))),
        new("QmStartAdvice", ["qm-start"], t => Plain(QmStartAdvice.Explain("100", "pve1", t))),
        new("QmConfigParser", ["qm-config"], t => R(QmConfigParser.Parse(t))),
        new("SystemdEnvironment", ["systemctl-vgpu"], t => Plain(SystemdEnvironment.Parse(t))),
        new("SystemctlShowParser.Parse", ["systemctl-vgpu"], t => R(SystemctlShowParser.Parse(t))),
        new("SystemctlShowParser.ParseMany", ["systemctl-vgpu"], t => R(SystemctlShowParser.ParseMany(t))),
        new("IndentedTreeParser", ["nvidia-smi-q-host", "nvidia-smi-q-license"], t => Plain(IndentedTreeParser.Parse(t))),
        new("NodeFactsParser", [], t =>
        {
            var facts = NodeFactsParser.Parse("pve1", t);
            return new(!facts.ProbeWarnings.IsDefaultOrEmpty, facts, CanSayCut: true);
        }),
    ];

    /// <summary>
    /// Parsers whose result has no way to say "incomplete" (they return a plain value): a cut sample can read as a
    /// different value. Reported, not restructured here (another issue reworks the parsers).
    /// </summary>
    private static readonly ImmutableSortedSet<string> NoWayToSayCut = [.. Targets.Where(t => !t.Parse(string.Empty).CanSayCut).Select(t => t.Name)];

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var t in Targets)
        {
            data.Add(t.Name);
        }

        return data;
    }

    private static Target Find(string name) => Targets.Single(t => t.Name == name);

    private static List<string> Samples(Target target) => target.Name == "NodeFactsParser"
        ? [ProbeSamples.FreshNode(), ProbeSamples.DriverNode()]
        : [.. target.Kinds.SelectMany(k => RealOutputs.List(k).Select(n => RealOutputs.Read(k, n)))];

    [Theory]
    [MemberData(nameof(Names))]
    public void Arbitrary_text_never_throws(string name)
    {
        var target = Find(name);
        var samples = Samples(target);
        FuzzBudget.Run(output, $"parser {name} (arbitrary text)", 60, Targets.Length, (random, i) =>
        {
            var text = FuzzBudget.Text(random, samples);
            try
            {
                _ = Dump(target.Parse(text).Value);
            }
            catch (Exception e)
            {
                Assert.Fail($"{name} threw on case {i} (seed {FuzzBudget.Seed}): {e.GetType().Name}: {e.Message}\ninput: {Escape(text)}\n{e.StackTrace}");
            }
        });
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void A_cut_real_sample_says_so_or_reads_the_same_as_the_whole_up_to_the_cut(string name)
    {
        var target = Find(name);
        var samples = Samples(target);
        var wrong = new List<string>();
        var cases = 0;
        FuzzBudget.Run(output, $"parser {name} (cut real samples)", 100, Targets.Length, (random, i) =>
        {
            var sample = samples[random.Next(samples.Count)];
            if (sample.Length < 2)
            {
                return;
            }

            cases++;
            var cut = sample[..random.Next(1, sample.Length)];
            var whole = target.Parse(sample);
            var part = target.Parse(cut);
            if (part.Cut || ReadsAsPrefix(part.Value, whole.Value))
            {
                return;
            }

            if (wrong.Count < 3)
            {
                wrong.Add($"cut at {cut.Length} of {sample.Length}: ...{Escape(cut[Math.Max(0, cut.Length - 60)..])}\n  whole: {Shorten(Dump(whole.Value))}\n  cut:   {Shorten(Dump(part.Value))}");
            }
            else
            {
                wrong.Add(string.Empty);
            }
        });

        if (NoWayToSayCut.Contains(name))
        {
            FuzzBudget.Report(output, $"parser {name}: no way to say incomplete; {wrong.Count} of {cases} cut samples read as another value without a word");
            return;
        }

        Assert.True(wrong.Count == 0 || Known.ContainsKey(name), $"{name}: {wrong.Count} of {cases} cut samples read as another value without saying they were cut:\n{string.Join('\n', wrong.Where(w => w.Length > 0))}");
        if (Known.TryGetValue(name, out var why))
        {
            Assert.True(wrong.Count > 0, $"{name} is listed as known to misread cut samples but did not: remove it from Known");
            FuzzBudget.Report(output, $"parser {name}: KNOWN, {wrong.Count} of {cases} cut samples read as another value without a word ({why}); e.g.\n{wrong[0]}");
        }
    }

    /// <summary>Parsers that can say "cut" but do not for some cuts (found by this test; see the report).</summary>
    private static readonly Dictionary<string, string> Known = new(StringComparer.Ordinal)
    {
        ["DkmsParser.ParseStatus"] = LastLineCut,
        ["GridLogParser"] = LastLineCut,
        ["GuestLicenceParser"] = LastLineCut,
        ["JournalParser"] = LastLineCut,
        ["KernelLogParser"] = LastLineCut,
        ["LspciParser"] = LastLineCut,
        ["NvidiaInstallerParser"] = LastLineCut,
        ["NvidiaSmiVgpuQueryParser"] = LastLineCut,
        ["QmConfigParser"] = LastLineCut,
        ["QmStartParser"] = LastLineCut,
        ["VgpuLogInterpreter"] = LastLineCut,
    };

    private const string LastLineCut = "a cut in the middle of a line reads as a shorter last value: a missing final newline is not taken as a cut";

    /// <summary>The same value, or a list whose items are the whole's first items.</summary>
    private static bool ReadsAsPrefix(object? part, object? whole)
    {
        if (Dump(part) == Dump(whole))
        {
            return true;
        }

        return part is IEnumerable p and not string && whole is IEnumerable w and not string
            && p.Cast<object?>().Select(Dump).ToList() is var ps && w.Cast<object?>().Select(Dump).ToList() is var ws
            && ps.Count <= ws.Count && ps.SequenceEqual(ws.Take(ps.Count));
    }

    /// <summary>A structural text of a parsed value (records, lists, dictionaries, scalars), to compare two results.</summary>
    internal static string Dump(object? value)
    {
        var sb = new StringBuilder();
        Write(sb, value, 0);
        return sb.ToString();
    }

    private static void Write(StringBuilder sb, object? value, int depth)
    {
        if (depth > 12)
        {
            sb.Append('…');
            return;
        }

        switch (value)
        {
            case null:
                sb.Append("null");
                return;
            case string s:
                sb.Append('"').Append(s).Append('"');
                return;
            case IFormattable f when value.GetType().IsPrimitive || value is decimal or DateTimeOffset or DateTime or TimeSpan or Enum:
                sb.Append(f.ToString(null, CultureInfo.InvariantCulture));
                return;
            case bool b:
                sb.Append(b);
                return;
            case IDictionary d:
                sb.Append('{');
                foreach (var key in d.Keys.Cast<object>().OrderBy(k => k.ToString(), StringComparer.Ordinal))
                {
                    Write(sb, key, depth + 1);
                    sb.Append(':');
                    Write(sb, d[key], depth + 1);
                    sb.Append(',');
                }

                sb.Append('}');
                return;
            case IEnumerable e:
                sb.Append('[');
                foreach (var item in e)
                {
                    Write(sb, item, depth + 1);
                    sb.Append(',');
                }

                sb.Append(']');
                return;
        }

        var type = value.GetType();
        sb.Append(type.Name).Append('(');
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0).OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            if (property.Name == "EqualityContract")
            {
                continue;
            }

            sb.Append(property.Name).Append('=');
            Write(sb, property.GetValue(value), depth + 1);
            sb.Append(';');
        }

        sb.Append(')');
    }

    private static string Shorten(string s) => s.Length <= 400 ? s : s[..400] + "…";

    internal static string Escape(string s) => s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal);
}
