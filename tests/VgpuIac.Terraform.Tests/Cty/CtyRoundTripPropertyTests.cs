using System.Collections.Immutable;
using VgpuIac.Engine.Values;
using VgpuIac.Terraform.Cty;

namespace VgpuIac.Terraform.Tests.Cty;

/// <summary>Random types, random values (null and unknown at any depth): encode then decode gives the same value.</summary>
public sealed class CtyRoundTripPropertyTests
{
    private const int Cases = 600;

    [Fact]
    public void Msgpack_round_trips_random_values_of_random_types()
    {
        var random = new Random(6);
        for (var i = 0; i < Cases; i++)
        {
            var type = RandomType(random, depth: 3, allowDynamic: true);
            var value = RandomValue(random, type, depth: 3, allowUnknown: true);
            var bytes = CtyMsgpack.Encode(value, type);
            var decoded = CtyMsgpack.Decode(bytes, type);
            Assert.True(value.Equals(decoded), $"case {i}: type {type}\n  sent {value}\n  got  {decoded}\n  hex  {Convert.ToHexString(bytes)}");
        }
    }

    [Fact]
    public void Json_round_trips_random_known_values_of_random_types()
    {
        var random = new Random(7);
        for (var i = 0; i < Cases; i++)
        {
            var type = RandomType(random, depth: 3, allowDynamic: true);
            var value = RandomValue(random, type, depth: 3, allowUnknown: false);
            var json = CtyJson.Encode(value, type);
            var decoded = CtyJson.Decode(json, type);
            Assert.True(value.Equals(decoded), $"case {i}: type {type}\n  sent {value}\n  got  {decoded}\n  json {System.Text.Encoding.UTF8.GetString(json)}");
        }
    }

    [Fact]
    public void Type_json_round_trips_random_types()
    {
        var random = new Random(8);
        for (var i = 0; i < Cases; i++)
        {
            var type = RandomType(random, depth: 4, allowDynamic: true);
            Assert.Equal(type, CtyTypeJson.Parse(CtyTypeJson.ToUtf8(type)));
        }
    }

    private static CtyType RandomType(Random random, int depth, bool allowDynamic)
    {
        var pick = random.Next(depth <= 0 ? 4 : 10);
        return pick switch
        {
            0 => CtyType.String,
            1 => CtyType.Number,
            2 => CtyType.Bool,
            3 => allowDynamic ? CtyType.Dynamic : CtyType.String,
            4 => CtyType.List(RandomType(random, depth - 1, allowDynamic)),
            5 => CtyType.Set(RandomType(random, depth - 1, allowDynamic: false)),
            6 => CtyType.Map(RandomType(random, depth - 1, allowDynamic)),
            7 => new CtyTuple([.. Enumerable.Range(0, random.Next(4)).Select(_ => RandomType(random, depth - 1, allowDynamic))]),
            _ => CtyType.Object(Enumerable.Range(0, random.Next(5)).Select(n => KeyValuePair.Create($"a{n}", RandomType(random, depth - 1, allowDynamic)))),
        };
    }

    private static Value RandomValue(Random random, CtyType type, int depth, bool allowUnknown)
    {
        var roll = random.Next(12);
        if (roll == 0)
        {
            return Value.Null;
        }

        if (roll == 1 && allowUnknown)
        {
            return Value.Unknown;
        }

        switch (type)
        {
            case CtyPrimitive { Kind: CtyPrimitiveKind.String }:
                return Value.String(RandomString(random));
            case CtyPrimitive { Kind: CtyPrimitiveKind.Bool }:
                return Value.Bool(random.Next(2) == 0);
            case CtyPrimitive { Kind: CtyPrimitiveKind.Number }:
                return Value.Number(RandomNumber(random));
            case CtyDynamic:
                // A dynamic value carries its own (inferred) concrete type: use shapes inference gives back unchanged.
                var concrete = random.Next(4) switch
                {
                    0 => CtyType.String,
                    1 => CtyType.Number,
                    2 => CtyType.List(CtyType.Bool),
                    _ => CtyType.Object(("k", CtyType.String), ("n", CtyType.Number)),
                };
                var inner = RandomValue(random, concrete, depth - 1, allowUnknown: false);
                return inner;
            case CtyList l:
                return Value.List(Enumerable.Range(0, random.Next(4)).Select(_ => RandomValue(random, l.Element, depth - 1, allowUnknown)));
            case CtySet s:
                return Value.Set(Enumerable.Range(0, random.Next(4)).Select(_ => RandomValue(random, s.Element, depth - 1, allowUnknown)));
            case CtyMap m:
                return Value.Map(Enumerable.Range(0, random.Next(4)).Select(n => KeyValuePair.Create($"k{n}-{RandomString(random)}", RandomValue(random, m.Element, depth - 1, allowUnknown))));
            case CtyTuple t:
                return Value.List(t.Elements.Select(e => RandomValue(random, e, depth - 1, allowUnknown)));
            case CtyObject o:
                return Value.Object(o.Attributes.Select(kv => KeyValuePair.Create(kv.Key, RandomValue(random, kv.Value, depth - 1, allowUnknown))));
            default:
                throw new InvalidOperationException(type.ToString());
        }
    }

    private static string RandomString(Random random)
    {
        string[] samples = ["", "a", "pve1", "GRID A100-4C", "ünïcødé", "with \"quotes\"", "multi\nline", new string('x', 300)];
        return samples[random.Next(samples.Length)];
    }

    private static decimal RandomNumber(Random random) => random.Next(7) switch
    {
        0 => random.Next(-1000, 1000),
        1 => long.MaxValue - random.Next(10),
        2 => 18446744073709551615m + random.Next(100),
        3 => random.Next(1, 1000) / 8m,
        4 => random.Next(1, 1000) / 10m,
        5 => decimal.Parse("0.000000000000000000000001", System.Globalization.CultureInfo.InvariantCulture) * random.Next(1, 100),
        _ => -(random.Next(1, 100000) / 1024m),
    };
}
