using VgpuIac.Terraform.Cty;

namespace VgpuIac.Terraform.Tests.Fuzz;

/// <summary>Inputs the cty fuzz runs found, kept so that they never come back.</summary>
public sealed class FuzzCtyRegressionTests
{
    [Fact]
    public void A_float64_on_the_wire_reads_as_its_exact_value()
    {
        // found by FuzzCtyCodecTests (msgpack round trip, seed 20261206 case 35): 1.55451202392578125 is a float64 exactly,
        // so the encoder writes it as one; it read back as the shortest text of that double, 1.5545120239257812
        var bytes = Convert.FromHexString("CB3FF8DF4800000000");

        Assert.Equal(1.55451202392578125m, CtyMsgpack.Decode(bytes, CtyType.Number).AsNumber());
        Assert.Equal(0.1m, CtyMsgpack.Decode(Convert.FromHexString("CB3FB999999999999A"), CtyType.Number).AsNumber());
    }

    [Fact]
    public void A_json_string_that_is_not_utf8_is_our_format_error()
    {
        // found by FuzzCtyCodecTests (json arbitrary bytes, seed 20261206 case 217): InvalidOperationException escaped
        var e = Assert.Throws<CtyFormatException>(() => CtyJson.Decode([(byte)'"', 0xC3, 0x28, (byte)'"'], CtyType.String));
        Assert.StartsWith("invalid JSON value", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dynamic_value_whose_type_json_is_not_utf8_is_our_format_error()
    {
        // found by FuzzCtyCodecTests (msgpack arbitrary bytes, 100000 cases, case 852): InvalidOperationException escaped
        Assert.Throws<CtyFormatException>(() => CtyMsgpack.Decode(Convert.FromHexString("9192C408227374E3696E6722"), CtyType.Tuple(CtyType.Dynamic)));
    }

    [Fact]
    public void A_map_with_a_key_twice_is_our_format_error()
    {
        // found by FuzzCtyCodecTests (json arbitrary bytes, 100000 cases, case 72041): ArgumentException escaped
        Assert.Throws<CtyFormatException>(() => CtyJson.Decode("{\"1\":true,\"1\":false}"u8, CtyType.Map(CtyType.Bool)));
        Assert.Throws<CtyFormatException>(() => CtyMsgpack.Decode(Convert.FromHexString("82A131C3A131C2"), CtyType.Map(CtyType.Bool)));
    }
}
