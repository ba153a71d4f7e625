namespace VgpuIac.NodeSim.Tests.DriverStack;

/// <summary>Compares nvidia-smi style box tables by shape: the table lines (starting with '+' or '|'), their
/// lengths and where the '+' and '|' column separators sit, ignoring cell contents.</summary>
internal static class TableShape
{
    public static IReadOnlyList<string> TableLines(string text) =>
        [.. text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.StartsWith('+') || l.StartsWith('|'))];

    public static string Mask(string line) => new([.. line.Select(c => c is '|' or '+' ? c : '.')]);

    /// <summary>Asserts that the first <paramref name="count"/> table lines of both texts have the same shape
    /// (fewer when the sample is cut short).</summary>
    public static void AssertSameShape(string sample, string actual, int count)
    {
        var expected = TableLines(sample).Take(count).ToList();
        var got = TableLines(actual).Take(expected.Count).ToList();
        Assert.True(expected.Count > 3, "the sample has no table");
        Assert.Equal(expected.Count, got.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.True(Mask(expected[i]) == Mask(got[i]), $"line {i + 1} differs in shape:\n  sample: {expected[i]}\n  actual: {got[i]}");
        }
    }
}
