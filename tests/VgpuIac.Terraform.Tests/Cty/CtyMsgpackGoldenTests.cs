using VgpuIac.Engine.Values;
using VgpuIac.Terraform.Cty;

namespace VgpuIac.Terraform.Tests.Cty;

/// <summary>The golden vectors of the protocol reference (section 3.6), both directions where they are canonical.</summary>
public sealed class CtyMsgpackGoldenTests
{
    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    public static TheoryData<string, string, Value> Canonical => new()
    {
        { "C0", "\"string\"", Value.Null },
        { "D4 00 00", "\"string\"", Value.Unknown },
        { "01", "\"number\"", Value.Number(1) },
        { "CB 3F F8 00 00 00 00 00 00", "\"number\"", Value.Number(1.5m) },
        { "A3 30 2E 31", "\"number\"", Value.Number(0.1m) },
        { "92 A1 61 A1 62", "[\"set\",\"string\"]", Value.Set([Value.String("a"), Value.String("b")]) },
        { "82 A2 69 64 A1 78 A4 73 69 7A 65 C0", "[\"object\",{\"id\":\"string\",\"size\":\"number\"}]", Value.Object(("id", Value.String("x")), ("size", Value.Null)) },
        { "92 C4 08 22 73 74 72 69 6E 67 22 A2 68 69", "\"dynamic\"", Value.String("hi") },
        { "C3", "\"bool\"", Value.True },
        { "D0 9C", "\"number\"", Value.Number(-100) },
    };

    [Theory]
    [MemberData(nameof(Canonical))]
    public void Decodes_golden_bytes(string hex, string typeJson, Value expected)
    {
        var value = CtyMsgpack.Decode(Hex(hex), CtyTypeJson.Parse(typeJson));
        Assert.Equal(expected, value);
    }

    [Theory]
    [MemberData(nameof(Canonical))]
    public void Encodes_golden_bytes(string hex, string typeJson, Value value)
    {
        Assert.Equal(Hex(hex), CtyMsgpack.Encode(value, CtyTypeJson.Parse(typeJson)));
    }

    [Fact]
    public void Refined_unknown_string_is_read_as_unknown_and_its_body_skipped()
    {
        // list(string) holding [refined unknown, "z"]: the reader must skip exactly the ext 12 body.
        var bytes = Hex("92 C7 07 0C 82 01 C2 02 A2 61 62 A1 7A");
        var value = CtyMsgpack.Decode(bytes, CtyType.List(CtyType.String));
        Assert.Equal(Value.List(Value.Unknown, Value.String("z")), value);
    }

    [Fact]
    public void Refined_unknown_list_is_unknown()
    {
        Assert.Equal(Value.Unknown, CtyMsgpack.Decode(Hex("C7 03 0C 81 05 01"), CtyType.List(CtyType.String)));
    }

    [Theory]
    [InlineData("CA 3F C0 00 00", "1.5")]
    [InlineData("CF FF FF FF FF FF FF FF FF", "18446744073709551615")]
    [InlineData("A8 31 32 33 34 2E 35 30 30", "1234.5")]
    [InlineData("D3 80 00 00 00 00 00 00 00", "-9223372036854775808")]
    public void Accepts_every_number_form(string hex, string expected)
    {
        var value = CtyMsgpack.Decode(Hex(hex), CtyType.Number);
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), value.AsNumber());
    }

    [Fact]
    public void Integers_beyond_int64_are_float64_when_exact_else_decimal_text()
    {
        // 2^64 is exactly a float64 (go-cty: Int64 inexact, Float64 exact); 2^64+1 is not.
        Assert.Equal(Hex("CB 43 F0 00 00 00 00 00 00"), CtyMsgpack.Encode(Value.Number(18446744073709551616m), CtyType.Number));
        var bytes = CtyMsgpack.Encode(Value.Number(18446744073709551617m), CtyType.Number);
        Assert.Equal("18446744073709551617", MessagePack.MessagePackSerializer.ConvertToJson(bytes).Trim('"'));
    }

    [Fact]
    public void Dynamic_typed_null_and_untyped_unknown()
    {
        Assert.Equal(Value.Null, CtyMsgpack.Decode(Hex("92 C4 08 22 73 74 72 69 6E 67 22 C0"), CtyType.Dynamic));
        Assert.Equal(Value.Unknown, CtyMsgpack.Decode(Hex("D4 00 00"), CtyType.Dynamic));
    }

    [Fact]
    public void Object_missing_an_attribute_is_rejected()
    {
        var type = CtyType.Object(("a", CtyType.String), ("b", CtyType.String));
        Assert.Throws<CtyFormatException>(() => CtyMsgpack.Decode(Hex("81 A1 61 A1 78"), type));
    }

    [Fact]
    public void Object_with_an_unsupported_attribute_is_rejected()
    {
        var type = CtyType.Object(("a", CtyType.String));
        Assert.Throws<CtyFormatException>(() => CtyMsgpack.Decode(Hex("82 A1 61 A1 78 A1 63 A1 78"), type));
    }
}
