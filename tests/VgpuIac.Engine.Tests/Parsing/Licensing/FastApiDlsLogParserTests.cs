using VgpuIac.Engine.Parsing.Licensing;

namespace VgpuIac.Engine.Tests.Parsing.Licensing;

public sealed class FastApiDlsLogParserTests
{
    private const string Kind = "fastapi-dls";

    public static TheoryData<string> Files => RealOutputs.Names(Kind);

    [Theory]
    [MemberData(nameof(Files))]
    public void Reads_every_real_sample(string file)
    {
        var r = FastApiDlsLogParser.Parse(RealOutputs.Read(Kind, file));
        switch (file)
        {
            case "fastapi-dls-readme-server-log-linux-guest.txt":
                Assert.True(r.IsComplete);
                Assert.Equal(["origin", "code", "auth", "leases", "create"], r.Value.Select(e => e.Phase));
                Assert.All(r.Value, e => Assert.Equal("B210CF72-FEC7-4440-9499-1156D1ACD13A", e.OriginRef));
                var origin = r.Value[0];
                Assert.Equal("ubuntu-grid-server", origin.Hostname);
                Assert.Equal("525.60.13", origin.GuestDriverVersion);
                Assert.Equal("525.60.12", origin.HostDriverVersion);
                Assert.Equal("00000000-0000-0000-0000-000000000105", origin.ClientPlatformId);
                Assert.Equal("found 0 active leases", r.Value[3].Detail);
                break;
            default:
                Assert.Fail($"no expectation written for {Kind}/{file}");
                break;
        }
    }

    [Fact]
    public void Other_lines_are_warnings()
    {
        var r = FastApiDlsLogParser.Parse("INFO:     Uvicorn running on https://0.0.0.0:443 (Press CTRL+C to quit)\n");
        Assert.Empty(r.Value);
        Assert.Single(r.Warnings);
    }
}
