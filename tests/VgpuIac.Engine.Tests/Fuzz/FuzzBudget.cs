using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace VgpuIac.Engine.Tests.Fuzz;

/// <summary>
/// How many cases a fuzz target runs: a fast seeded slice in <c>make test</c>; <c>make fuzz</c> sets
/// <c>VGPUIAC_FUZZ_CASES</c> (100000) and <c>VGPUIAC_FUZZ_REPORT</c> (a file the figures are appended to).
/// Case <c>i</c> of seed <c>s</c> always draws the same input, so a failure names what to replay.
/// </summary>
internal static class FuzzBudget
{
    public static int Cases(int slice) =>
        int.TryParse(Environment.GetEnvironmentVariable("VGPUIAC_FUZZ_CASES"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : slice;

    public static int Seed =>
        int.TryParse(Environment.GetEnvironmentVariable("VGPUIAC_FUZZ_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s : 20261206;

    /// <summary>The random source of one case (independent of the others).</summary>
    public static Random ForCase(int seed, int index) => new(unchecked((seed * 1_000_003) + index));

    /// <summary>Runs <paramref name="cases"/> cases of <paramref name="target"/>, then writes its figures.</summary>
    public static void Run(ITestOutputHelper output, string target, int slice, Action<Random, int> body) => Run(output, target, slice, 1, body);

    /// <summary>As <see cref="Run(ITestOutputHelper, string, int, Action{Random, int})"/> for one of <paramref name="shares"/>
    /// tests that make up one target (the parsers): the long run's budget is split among them, the slice is not.</summary>
    public static void Run(ITestOutputHelper output, string target, int slice, int shares, Action<Random, int> body)
    {
        var cases = Cases(slice) == slice ? slice : Math.Max(slice, (Cases(slice) + shares - 1) / shares);
        var seed = Seed;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < cases; i++)
        {
            body(ForCase(seed, i), i);
        }

        Report(output, $"fuzz {target}: {cases} cases (seed {seed}), {clock.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)} s, no crash");
    }

    public static void Report(ITestOutputHelper output, string line)
    {
        output.WriteLine(line);
        if (Environment.GetEnvironmentVariable("VGPUIAC_FUZZ_REPORT") is { Length: > 0 } path)
        {
            lock (typeof(FuzzBudget))
            {
                File.AppendAllText(path, line + Environment.NewLine);
            }
        }
    }

    /// <summary>Text that looks like node output: pieces of real samples, spliced, cut, with random bytes in between.</summary>
    public static string Text(Random random, IReadOnlyList<string> samples)
    {
        var sample = samples.Count == 0 ? string.Empty : samples[random.Next(samples.Count)];
        switch (random.Next(6))
        {
            case 0:
                return RandomChars(random, random.Next(200));
            case 1:
                return sample[..random.Next(sample.Length + 1)];
            case 2:
            {
                // lines of several samples, shuffled
                var lines = samples.SelectMany(s => s.Split('\n')).ToArray();
                return string.Join('\n', Enumerable.Range(0, random.Next(1, 40)).Select(_ => lines.Length == 0 ? string.Empty : lines[random.Next(lines.Length)]));
            }

            default:
            {
                var chars = sample.ToCharArray().ToList();
                var edits = random.Next(1, 12);
                for (var e = 0; e < edits && chars.Count > 0; e++)
                {
                    var at = random.Next(chars.Count);
                    switch (random.Next(5))
                    {
                        case 0: chars.RemoveRange(at, Math.Min(chars.Count - at, random.Next(1, 30))); break;
                        case 1: chars.InsertRange(at, RandomChars(random, random.Next(1, 10))); break;
                        case 2: chars[at] = RandomChar(random); break;
                        case 3: var from = random.Next(sample.Length); chars.InsertRange(at, sample.Substring(from, Math.Min(20, sample.Length - from))); break;
                        default: chars.Insert(at, "\n\r\t :=|,\"'{}[]<>#-"[random.Next(18)]); break;
                    }
                }

                return new string([.. chars]);
            }
        }
    }

    public static string RandomChars(Random random, int length) => new([.. Enumerable.Range(0, length).Select(_ => RandomChar(random))]);

    private static char RandomChar(Random random) => random.Next(10) switch
    {
        0 => (char)random.Next(0, 32),
        1 => (char)random.Next(0x80, 0x3000),
        2 => "\n\r\t :=|,\"'{}[]<>#-./%"[random.Next(21)],
        3 => (char)random.Next('0', '9' + 1),
        _ => (char)random.Next(32, 127),
    };
}
