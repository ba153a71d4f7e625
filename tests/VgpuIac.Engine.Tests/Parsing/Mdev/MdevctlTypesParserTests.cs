using System.Collections.Immutable;
using VgpuIac.Engine.Parsing;
using VgpuIac.Engine.Parsing.Mdev;

namespace VgpuIac.Engine.Tests.Parsing.Mdev;

public sealed class MdevctlTypesParserTests
{
    private const string Kind = "mdevctl-types";

    private static readonly Dictionary<string, Action<ParseResult<ImmutableArray<MdevType>>>> Expected = new()
    {
        ["atl-kr-p40-partially-allocated-elided.txt"] = r =>
        {
            Assert.True(r.Truncated);
            Assert.Equal(["nvidia-156", "nvidia-215", "nvidia-241", "nvidia-46", "nvidia-47", "nvidia-48", "nvidia-62"], r.Value.Select(t => t.Id));
            Assert.All(r.Value, t => Assert.Equal("0000:01:00.0", t.Parent));
            var p1q = r.Value.Single(t => t.Id == "nvidia-46");
            Assert.Equal("GRID P40-1Q", p1q.Name);
            Assert.Equal(0, p1q.AvailableInstances);
            Assert.Equal(46, p1q.NvidiaTypeNumber);
            Assert.Equal(new MdevTypeDescription(4, 60, 1024, 5120, 2880, 24), p1q.Details);
            Assert.Equal(11, r.Value.Single(t => t.Id == "nvidia-47").AvailableInstances);
            Assert.Equal(7680, r.Value.Single(t => t.Id == "nvidia-47").Details!.MaxResolutionWidth);
        },
        ["greendamtan-fnos-2080ti-one-1q-in-use.txt"] = r =>
        {
            Assert.False(r.Truncated);
            Assert.Equal(["GRID RTX6000-1Q", "GRID RTX6000-2Q", "GRID RTX6000-3Q", "GRID RTX6000-4Q"], r.Value.Select(t => t.Name));
            Assert.Equal([23, 0, 0, 0], r.Value.Select(t => t.AvailableInstances));
            Assert.Equal(4096, r.Value[3].Details!.FramebufferMiB);
            Assert.Equal(6, r.Value[3].Details!.MaxInstance);
        },
        ["greendamtan-gtx1060-as-rtxa5500-partial.txt"] = r =>
        {
            Assert.True(r.IsComplete);
            Assert.Equal(["nvidia-760", "nvidia-761"], r.Value.Select(t => t.Id));
            Assert.Equal("NVIDIA RTXA5500-2B", r.Value[1].Name);
            Assert.Equal(45, r.Value[1].Details!.FrlConfig);
        },
        ["mdevctl-testfixture-full-text.txt"] = r =>
        {
            Assert.True(r.IsComplete);
            Assert.Equal(6, r.Value.Length);
            Assert.Equal(["0.0.26ab", "0000:00:02.0", "0000:00:03.0"], r.Value.Select(t => t.Parent).Distinct());
            Assert.Equal("vfio_mdev", r.Value[0].DeviceApi);
            Assert.Equal("description", r.Value[0].Description);
            Assert.Null(r.Value[0].Details);
            var type2 = r.Value.Single(t => t.Id == "mdev_type2");
            Assert.Null(type2.Description);
            Assert.Equal(16, type2.AvailableInstances);
            var m10 = r.Value.Single(t => t.Id == "nvidia-36");
            Assert.Equal("GRID M10-0Q", m10.Name);
            Assert.Null(m10.Description);
            Assert.Equal("0000:00:03.0", m10.Parent);
        },
        ["ubuntu-docs-v100-8c-fragment.txt"] = r =>
        {
            Assert.True(r.Truncated);
            var t = Assert.Single(r.Value);
            Assert.Null(t.Parent);
            Assert.Equal("GRID V100-8C", t.Name);
            Assert.Equal(0, t.AvailableInstances);
            Assert.Equal(new MdevTypeDescription(1, 60, 8192, 4096, 2160, 2), t.Details);
        },
        ["vgpu-unlock-patcher-1-gtx1660-elided.txt"] = r =>
        {
            Assert.True(r.Truncated);
            Assert.Equal(["nvidia-256", "nvidia-257", "nvidia-331", "nvidia-332"], r.Value.Select(t => t.Id));
            Assert.Equal("GRID RTX2070-2", r.Value[3].Name);
            Assert.Equal(1, r.Value[3].Details!.MaxInstance);
        },
    };

    public static TheoryData<string> Files => RealOutputs.Names(Kind);

    [Theory]
    [MemberData(nameof(Files))]
    public void Reads_every_real_sample(string file)
    {
        Assert.True(Expected.ContainsKey(file), $"no expectation written for {Kind}/{file}");
        Expected[file](MdevctlTypesParser.ParseText(RealOutputs.Read(Kind, file)));
    }

    [Fact]
    public void Every_expectation_has_a_sample() =>
        Assert.Equal(Expected.Keys.Order(StringComparer.Ordinal), RealOutputs.List(Kind));

    [Fact]
    public void Empty_output_is_an_empty_complete_list()
    {
        var r = MdevctlTypesParser.ParseText("");
        Assert.True(r.IsComplete);
        Assert.Empty(r.Value);
        Assert.Empty(MdevctlTypesParser.ParseText("\n").Value);
    }

    [Fact]
    public void A_type_cut_before_its_name_is_kept_and_marked_truncated()
    {
        var r = MdevctlTypesParser.ParseText("0000:01:00.0\n  nvidia-46\n    Available instances: 24\n    Device API: vfio-pci\n");
        Assert.True(r.Truncated);
        var t = Assert.Single(r.Value);
        Assert.Equal(24, t.AvailableInstances);
        Assert.Null(t.Name);
    }

    [Fact]
    public void Reads_names_with_spaces_and_crlf()
    {
        var r = MdevctlTypesParser.ParseText(
            "0000:41:00.0\r\n  nvidia-1519\r\n    Available instances: 1\r\n    Device API: vfio-pci\r\n    Name: NVIDIA RTX Pro 6000 Blackwell DC-3Q\r\n");
        Assert.True(r.IsComplete);
        Assert.Equal("NVIDIA RTX Pro 6000 Blackwell DC-3Q", Assert.Single(r.Value).Name);
    }
}
