using VgpuIac.Engine.Parsing.NvidiaSmi;

namespace VgpuIac.Engine.Tests.Parsing.NvidiaSmi;

public sealed class NvidiaSmiCsvParserTests
{
    private const string Kind = "nvidia-smi-query-csv";

    public static TheoryData<string> Files => RealOutputs.Names(Kind);

    [Theory]
    [MemberData(nameof(Files))]
    public void Reads_every_real_sample(string file)
    {
        var r = NvidiaSmiCsvParser.Parse(RealOutputs.Read(Kind, file));
        switch (file)
        {
            case "hpe-a100-baremetal-query-gpu-csv-with-units.txt":
                Assert.True(r.IsComplete);
                Assert.Equal(10, r.Value.Columns.Length);
                Assert.Equal(new NvidiaSmiCsvColumn("memory.total", "MiB"), r.Value.Columns[5]);
                Assert.Equal(new NvidiaSmiCsvColumn("utilization.gpu", "%"), r.Value.Columns[4]);
                Assert.Equal(2, r.Value.Rows.Length);
                Assert.Equal(["00000000:12:00.0", "00000000:8A:00.0"], r.Value.Rows.Select(x => x.Get("pci.bus_id")));
                Assert.Equal("NVIDIA A100-PCIE-40GB", r.Value.Rows[0].Get("gpu_name"));
                Assert.Equal(40960, r.Value.Rows[0].GetMiB("memory.total"));
                Assert.Equal(1, r.Value.Rows[1].GetLong("memory.used"));
                Assert.Equal(0, r.Value.Rows[0].GetLong("utilization.gpu"));
                Assert.Equal(765, r.Value.Rows[0].GetLong("clocks.applications.graphics"));
                Assert.Equal(37, r.Value.Rows[1].GetLong("temperature.gpu"));
                break;
            default:
                Assert.Fail($"no expectation written for {Kind}/{file}");
                break;
        }
    }

    [Fact]
    public void Noheader_nounits_with_given_fields()
    {
        var r = NvidiaSmiCsvParser.Parse("535.129.03, 00000000:01:00.0, [N/A]\n535.129.03, 00000000:02:00.0, 24576\n", ["driver_version", "pci.bus_id", "memory.total"]);
        Assert.True(r.IsComplete);
        Assert.Equal("535.129.03", r.Value.Rows[0].Get("driver_version"));
        Assert.Null(r.Value.Rows[0].GetMiB("memory.total"));
        Assert.Equal(24576, r.Value.Rows[1].GetMiB("memory.total"));
        Assert.Equal("00000000:02:00.0", r.Value.Rows[1].Get("gpu_bus_id"));
    }

    [Fact]
    public void Cut_row_and_errors()
    {
        var r = NvidiaSmiCsvParser.Parse("driver_version, name\n550.54.10");
        Assert.True(r.Truncated);
        Assert.Equal("550.54.10", Assert.Single(r.Value.Rows).Get("driver_version"));
        Assert.Empty(NvidiaSmiCsvParser.Parse("").Value.Rows);
        var failed = NvidiaSmiCsvParser.Parse("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\n", ["driver_version", "name"]);
        Assert.Empty(failed.Value.Rows);
        Assert.Single(failed.Warnings);
    }
}
