using VgpuIac.Engine.Parsing.Pve;

namespace VgpuIac.Engine.Tests.Parsing.Pve;

public sealed class PveApiErrorParserTests
{
    private const string Kind = "pve-api-error";

    public static TheoryData<string> Files => RealOutputs.Names(Kind);

    [Theory]
    [MemberData(nameof(Files))]
    public void Reads_every_real_sample(string file)
    {
        var r = PveApiErrorParser.Parse(RealOutputs.Read(Kind, file)).Value;
        switch (file)
        {
            case "bpg-495-only-root-can-set-hostpci-non-mapped.txt":
                Assert.Equal(500, r.HttpStatus);
                Assert.Equal("only root can set 'hostpci1' config for non-mapped devices", r.Message);
                Assert.True(r.OnlyRootForNonMappedHostPci);
                Assert.Equal("hostpci1", r.HostPciKey);
                break;
            default:
                Assert.Fail($"no expectation written for {Kind}/{file}");
                break;
        }
    }

    [Fact]
    public void Reads_json_body()
    {
        var r = PveApiErrorParser.Parse("""{"errors":{"hostpci0":"only root can set 'hostpci0' config for non-mapped devices\n"},"data":null,"message":"Parameter verification failed.\n"}""");
        Assert.True(r.IsComplete);
        Assert.Equal("Parameter verification failed.", r.Value.Message);
        Assert.Equal("hostpci0", Assert.Single(r.Value.FieldErrors).Key);
        Assert.True(r.Value.OnlyRootForNonMappedHostPci);
        Assert.Equal("hostpci0", r.Value.HostPciKey);
    }

    [Fact]
    public void Reads_pvesh_text_and_cut_json()
    {
        var r = PveApiErrorParser.Parse("400 Parameter verification failed.\nhostpci0: invalid format - format error\n").Value;
        Assert.Equal(400, r.HttpStatus);
        Assert.Equal("Parameter verification failed.", r.Message);
        Assert.Equal("invalid format - format error", Assert.Single(r.FieldErrors).Value);
        Assert.False(r.OnlyRootForNonMappedHostPci);
        Assert.True(PveApiErrorParser.Parse("{\"errors\":{\"hostpci0\":").Truncated);
    }
}
