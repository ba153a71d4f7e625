using VgpuIac.Terraform.Cty;

namespace VgpuIac.Terraform.Tests.Cty;

public sealed class CtyTypeJsonTests
{
    [Theory]
    [InlineData("\"string\"")]
    [InlineData("\"dynamic\"")]
    [InlineData("[\"list\",\"string\"]")]
    [InlineData("[\"map\",[\"object\",{\"port\":\"number\",\"proto\":\"string\"}]]")]
    [InlineData("[\"object\",{\"a\":\"string\",\"b\":\"number\"},[\"b\"]]")]
    [InlineData("[\"tuple\",[\"bool\",[\"set\",\"number\"]]]")]
    public void Round_trips_compact_type_json(string json)
    {
        Assert.Equal(json, CtyTypeJson.Serialize(CtyTypeJson.Parse(json)));
    }

    [Fact]
    public void Rejects_unknown_kinds()
    {
        Assert.Throws<CtyFormatException>(() => CtyTypeJson.Parse("[\"capsule\",\"x\"]"));
    }
}
