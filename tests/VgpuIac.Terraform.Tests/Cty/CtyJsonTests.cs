using System.Text;
using VgpuIac.Engine.Values;
using VgpuIac.Terraform.Cty;

namespace VgpuIac.Terraform.Tests.Cty;

public sealed class CtyJsonTests
{
    private static readonly CtyType Type = CtyTypeJson.Parse(
        "[\"object\",{\"id\":\"string\",\"size\":\"number\",\"tags\":[\"map\",\"string\"],\"extra\":\"dynamic\",\"disks\":[\"list\",[\"object\",{\"gb\":\"number\"}]]}]");

    [Fact]
    public void Reads_stored_state_keeping_number_precision_and_dynamic_values()
    {
        var json = """{"id":"pve1/101","size":0.1,"tags":{"a":"b"},"extra":{"value":["x",1],"type":["tuple",["string","number"]]},"disks":[{"gb":12345678901234567890}]}""";
        var value = CtyJson.Decode(Encoding.UTF8.GetBytes(json), Type);
        Assert.Equal(Value.String("pve1/101"), value["id"]);
        Assert.Equal(0.1m, value["size"].AsNumber());
        Assert.Equal(Value.List(Value.String("x"), Value.Number(1)), value["extra"]);
        Assert.Equal(12345678901234567890m, value["disks"].Items[0]["gb"].AsNumber());
    }

    [Fact]
    public void Missing_attributes_read_as_null_and_unknown_ones_are_dropped()
    {
        var dropped = new List<string>();
        var value = CtyJson.Decode(Encoding.UTF8.GetBytes("""{"id":"x","legacy_field":true}"""), Type, dropped);
        Assert.Equal(Value.Null, value["size"]);
        Assert.Equal(Value.Null, value["disks"]);
        Assert.Equal(["legacy_field"], dropped);
        Assert.Equal(5, value.Fields.Count);
    }

    [Fact]
    public void Writes_plain_decimals_and_dynamic_wrappers()
    {
        var value = Value.Object(("id", Value.String("x")), ("size", Value.Number(2.50m)), ("tags", Value.Null), ("extra", Value.String("s")), ("disks", Value.EmptyList));
        var json = Encoding.UTF8.GetString(CtyJson.Encode(value, Type));
        Assert.Equal("""{"disks":[],"extra":{"value":"s","type":"string"},"id":"x","size":2.5,"tags":null}""", json);
    }
}
