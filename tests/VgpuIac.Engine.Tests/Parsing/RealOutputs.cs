using System.Collections.Immutable;

namespace VgpuIac.Engine.Tests.Parsing;

/// <summary>
/// The real tool outputs under <c>Fixtures/real-outputs/&lt;kind&gt;/*.txt</c> (a copy of the team's
/// <c>shared/fixtures/real-outputs</c>; the copy is preferred so the repo is self-contained). Each file is a header,
/// a <c># ---</c> line, then the text as published; <see cref="Read"/> returns only that text.
/// </summary>
internal static class RealOutputs
{
    private static readonly Lazy<string> Root = new(Locate);

    public static string Directory => Root.Value;

    /// <summary>File names (without directory) of one kind, sorted; for <c>[MemberData]</c>.</summary>
    public static TheoryData<string> Names(string kind)
    {
        var data = new TheoryData<string>();
        foreach (var name in List(kind))
        {
            data.Add(name);
        }

        return data;
    }

    public static ImmutableArray<string> List(string kind) =>
        [.. System.IO.Directory.GetFiles(Path.Combine(Directory, kind), "*.txt").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)];

    /// <summary>The published text of one sample (everything after the <c># ---</c> line).</summary>
    public static string Read(string kind, string name)
    {
        var all = File.ReadAllText(Path.Combine(Directory, kind, name));
        var lines = all.Split('\n');
        var marker = Array.FindIndex(lines, l => l.TrimEnd('\r') == "# ---");
        Assert.True(marker >= 0, $"{kind}/{name} has no '# ---' header line");
        return string.Join('\n', lines[(marker + 1)..]);
    }

    private static string Locate()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        string? shared = null;
        for (; dir is not null; dir = dir.Parent)
        {
            var copy = Path.Combine(dir.FullName, "tests", "VgpuIac.Engine.Tests", "Fixtures", "real-outputs");
            if (System.IO.Directory.Exists(copy))
            {
                return copy;
            }

            var own = Path.Combine(dir.FullName, "Fixtures", "real-outputs");
            if (System.IO.Directory.Exists(own) && File.Exists(Path.Combine(dir.FullName, "VgpuIac.Engine.Tests.csproj")))
            {
                return own;
            }

            var beside = Path.Combine(dir.FullName, "shared", "fixtures", "real-outputs");
            if (shared is null && System.IO.Directory.Exists(beside))
            {
                shared = beside;
            }
        }

        return shared ?? throw new DirectoryNotFoundException(
            "Neither tests/VgpuIac.Engine.Tests/Fixtures/real-outputs nor shared/fixtures/real-outputs was found above " + AppContext.BaseDirectory);
    }
}
