using System.Globalization;
using System.Text;
using VgpuIac.Engine.Tests.Fuzz;
using VgpuIac.Engine.Values;
using VgpuIac.Terraform.Cty;
using Xunit.Abstractions;

namespace VgpuIac.Terraform.Tests.Fuzz;

/// <summary>
/// The cty msgpack and JSON codecs: random types and values (null and unknown at any depth, any Unicode text, numbers
/// of any scale) round-trip; arbitrary bytes (valid encodings mutated, cut, or random) decode or fail with
/// <see cref="CtyFormatException"/>, never another exception.
/// </summary>
public sealed class FuzzCtyCodecTests(ITestOutputHelper output)
{
    private static CtyType RandomType(Random random, int depth, bool allowDynamic = true) => random.Next(depth <= 0 ? 4 : 10) switch
    {
        0 => CtyType.String,
        1 => CtyType.Number,
        2 => CtyType.Bool,
        3 => allowDynamic ? CtyType.Dynamic : CtyType.String,
        4 => CtyType.List(RandomType(random, depth - 1, allowDynamic)),
        5 => CtyType.Set(RandomType(random, depth - 1, allowDynamic: false)),
        6 => CtyType.Map(RandomType(random, depth - 1, allowDynamic)),
        7 => new CtyTuple([.. Enumerable.Range(0, random.Next(4)).Select(_ => RandomType(random, depth - 1, allowDynamic))]),
        _ => CtyType.Object(Enumerable.Range(0, random.Next(5)).Select(n => KeyValuePair.Create(Name(random, n), RandomType(random, depth - 1, allowDynamic)))),
    };

    private static string Name(Random random, int n) => random.Next(4) == 0 ? $"ä{n}_{Text(random)}" : $"a{n}";

    /// <summary>Any Unicode text (valid UTF-16: surrogates only in pairs).</summary>
    private static string Text(Random random)
    {
        var sb = new StringBuilder();
        for (var n = random.Next(random.Next(10) == 0 ? 300 : 12); n > 0; n--)
        {
            switch (random.Next(6))
            {
                case 0: sb.Append((char)random.Next(0, 32)); break;
                case 1: sb.Append(char.ConvertFromUtf32(random.Next(0x10000, 0x10FFFF))); break;
                case 2: sb.Append((char)random.Next(0x80, 0xD800)); break;
                case 3: sb.Append("\"\\/{}[]:,"[random.Next(9)]); break;
                default: sb.Append((char)random.Next(32, 127)); break;
            }
        }

        return sb.ToString();
    }

    private static decimal Number(Random random) => random.Next(6) switch
    {
        0 => random.Next(int.MinValue, int.MaxValue),
        1 => new decimal(random.Next(), random.Next(), random.Next(), random.Next(2) == 0, (byte)random.Next(0, 29)),
        2 => decimal.MaxValue - random.Next(1000),
        3 => decimal.MinValue + random.Next(1000),
        4 => random.Next(1, 1 << 20) / (decimal)(1 << random.Next(20)),
        _ => decimal.Parse("0." + new string('0', random.Next(20)) + random.Next(1, 9).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture),
    };

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

        return type switch
        {
            CtyPrimitive { Kind: CtyPrimitiveKind.String } => Value.String(Text(random)),
            CtyPrimitive { Kind: CtyPrimitiveKind.Bool } => Value.Bool(random.Next(2) == 0),
            CtyPrimitive { Kind: CtyPrimitiveKind.Number } => Value.Number(Number(random)),
            CtyDynamic => random.Next(3) switch
            {
                0 => Value.String(Text(random)),
                1 => Value.Number(Number(random)),
                _ => Value.Object(("k", Value.String(Text(random))), ("n", Value.Number(Number(random)))),
            },
            CtyList l => Value.List(Enumerable.Range(0, random.Next(4)).Select(_ => RandomValue(random, l.Element, depth - 1, allowUnknown))),
            CtySet s => Value.Set(Enumerable.Range(0, random.Next(4)).Select(_ => RandomValue(random, s.Element, depth - 1, allowUnknown))),
            CtyMap m => Value.Map(Enumerable.Range(0, random.Next(4)).Select(n => KeyValuePair.Create($"{n}{Text(random)}", RandomValue(random, m.Element, depth - 1, allowUnknown)))),
            CtyTuple t => Value.List(t.Elements.Select(e => RandomValue(random, e, depth - 1, allowUnknown))),
            CtyObject o => Value.Object(o.Attributes.Select(kv => KeyValuePair.Create(kv.Key, RandomValue(random, kv.Value, depth - 1, allowUnknown)))),
            _ => throw new InvalidOperationException(type.ToString()),
        };
    }

    /// <summary>A valid encoding mutated (bytes flipped, cut, inserted, spliced), or random bytes.</summary>
    private static byte[] Mutate(Random random, byte[] valid)
    {
        if (random.Next(8) == 0)
        {
            var noise = new byte[random.Next(64)];
            random.NextBytes(noise);
            return noise;
        }

        var bytes = valid.ToList();
        for (var e = random.Next(1, 5); e > 0; e--)
        {
            var at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
            switch (random.Next(5))
            {
                case 0 when bytes.Count > 0: bytes[at] = (byte)random.Next(256); break;
                case 1 when bytes.Count > 0: bytes.RemoveRange(at, bytes.Count - at); break;
                case 2: bytes.Insert(at, (byte)random.Next(256)); break;
                case 3 when bytes.Count > 0: bytes[at] ^= (byte)(1 << random.Next(8)); break;
                default: bytes.InsertRange(at, new byte[] { 0xC7, 0x01, 0x0C, 0x80, 0xD4, 0x00, 0x00, 0xDD, 0xFF, 0xFF, 0xFF, 0xFF }.Take(random.Next(1, 12))); break;
            }
        }

        return [.. bytes];
    }

    [Fact]
    public void Msgpack_round_trips_any_value_of_any_type()
    {
        FuzzBudget.Run(output, "cty msgpack (round trip)", 400, (random, i) =>
        {
            var type = RandomType(random, 3);
            var value = RandomValue(random, type, 3, allowUnknown: true);
            var bytes = CtyMsgpack.Encode(value, type);
            var decoded = CtyMsgpack.Decode(bytes, type);
            Assert.True(value.Equals(decoded), $"case {i} (seed {FuzzBudget.Seed}): type {type}\n  sent {value}\n  got  {decoded}\n  hex  {Convert.ToHexString(bytes)}");
        });
    }

    [Fact]
    public void Json_round_trips_any_known_value_of_any_type()
    {
        FuzzBudget.Run(output, "cty json (round trip)", 400, (random, i) =>
        {
            var type = RandomType(random, 3);
            var value = RandomValue(random, type, 3, allowUnknown: false);
            var json = CtyJson.Encode(value, type);
            var decoded = CtyJson.Decode(json, type);
            Assert.True(value.Equals(decoded), $"case {i} (seed {FuzzBudget.Seed}): type {type}\n  sent {value}\n  got  {decoded}\n  json {Encoding.UTF8.GetString(json)}");
        });
    }

    [Fact]
    public void Arbitrary_msgpack_bytes_decode_or_fail_with_our_format_exception()
    {
        var refused = 0;
        FuzzBudget.Run(output, "cty msgpack (arbitrary bytes)", 400, (random, i) =>
        {
            var type = RandomType(random, 3);
            var bytes = Mutate(random, CtyMsgpack.Encode(RandomValue(random, type, 3, allowUnknown: true), type));
            try
            {
                _ = CtyMsgpack.Decode(bytes, type);
            }
            catch (CtyFormatException)
            {
                refused++;
            }
            catch (Exception e)
            {
                Assert.Fail($"case {i} (seed {FuzzBudget.Seed}): type {type}: {e.GetType().Name}: {e.Message}\n  hex {Convert.ToHexString(bytes)}\n{e.StackTrace}");
            }
        });
        FuzzBudget.Report(output, $"cty msgpack (arbitrary bytes): {refused} refused with CtyFormatException");
    }

    [Fact]
    public void Arbitrary_json_bytes_decode_or_fail_with_our_format_exception()
    {
        var refused = 0;
        FuzzBudget.Run(output, "cty json (arbitrary bytes)", 400, (random, i) =>
        {
            var type = RandomType(random, 3);
            var bytes = Mutate(random, CtyJson.Encode(RandomValue(random, type, 3, allowUnknown: false), type));
            try
            {
                _ = CtyJson.Decode(bytes, type);
            }
            catch (CtyFormatException)
            {
                refused++;
            }
            catch (Exception e)
            {
                Assert.Fail($"case {i} (seed {FuzzBudget.Seed}): type {type}: {e.GetType().Name}: {e.Message}\n  json {Encoding.UTF8.GetString(bytes)}\n{e.StackTrace}");
            }
        });
        FuzzBudget.Report(output, $"cty json (arbitrary bytes): {refused} refused with CtyFormatException");
    }
}
