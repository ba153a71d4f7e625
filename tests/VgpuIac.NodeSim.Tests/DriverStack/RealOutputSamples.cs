namespace VgpuIac.NodeSim.Tests.DriverStack;

/// <summary>The real tool outputs kept in the repository (tests/VgpuIac.Engine.Tests/Fixtures/real-outputs): the
/// yardstick for what the simulated tools print.</summary>
internal static class RealOutputSamples
{
    private static readonly Lazy<string> Root = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var copy = Path.Combine(dir.FullName, "tests", "VgpuIac.Engine.Tests", "Fixtures", "real-outputs");
            if (Directory.Exists(copy))
            {
                return copy;
            }
        }

        throw new DirectoryNotFoundException("tests/VgpuIac.Engine.Tests/Fixtures/real-outputs not found above " + AppContext.BaseDirectory);
    });

    /// <summary>The published text of a sample (after its <c># ---</c> header line).</summary>
    public static string Read(string kind, string name)
    {
        var lines = File.ReadAllText(Path.Combine(Root.Value, kind, name)).Split('\n');
        var marker = Array.FindIndex(lines, l => l.TrimEnd('\r') == "# ---");
        Assert.True(marker >= 0, $"{kind}/{name} has no '# ---' line");
        return string.Join('\n', lines[(marker + 1)..]);
    }
}
