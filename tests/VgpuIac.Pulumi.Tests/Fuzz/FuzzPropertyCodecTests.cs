using Google.Protobuf.WellKnownTypes;
using VgpuIac.Engine.Tests.Fuzz;
using VgpuIac.Pulumi.PropertyValues;
using VgpuIac.Pulumi.Provider;
using Xunit;
using Xunit.Abstractions;
using EngineValue = VgpuIac.Engine.Values.Value;
using ProtoValue = Google.Protobuf.WellKnownTypes.Value;

namespace VgpuIac.Pulumi.Tests.Fuzz;

/// <summary>
/// The Pulumi property codec on arbitrary property structs (the real resources' property names and random ones; any
/// kind at any place; secrets, output values, unknown sentinels, NaN and infinities): decoding never throws, it reports
/// failures; what decodes without failure encodes and decodes back to the same value. Untyped values round-trip.
/// </summary>
public sealed class FuzzPropertyCodecTests(ITestOutputHelper output)
{
    private static readonly ResourceRoute[] Routes = [.. ProviderCatalog.Engine.Resources.Values.OrderBy(r => r.Model.Token, StringComparer.Ordinal)];

    /// <summary>A struct as text (Google's JSON formatter throws on a Value without a kind, which a peer may send).</summary>
    private static string Show(Google.Protobuf.IMessage message)
    {
        try
        {
            return message.ToString() ?? string.Empty;
        }
        catch (InvalidOperationException)
        {
            return "(a struct with a kind-less value) " + Convert.ToHexString(Google.Protobuf.MessageExtensions.ToByteArray(message));
        }
    }

    private static ProtoValue RandomProto(Random random, int depth, IReadOnlyList<string> names)
    {
        switch (random.Next(depth <= 0 ? 6 : 10))
        {
            case 0: return ProtoValue.ForNull();
            case 1: return ProtoValue.ForString(random.Next(5) == 0 ? Sentinels.Unknown : FuzzBudget.RandomChars(random, random.Next(12)));
            case 2:
                double[] specials = [double.NaN, double.PositiveInfinity, double.NegativeInfinity, 1e300, -0.0, 0.5, 22, 65536, long.MaxValue, 1e-300];
                return ProtoValue.ForNumber(random.Next(3) == 0 ? specials[random.Next(specials.Length)] : random.Next(-100000, 100000));
            case 3: return ProtoValue.ForBool(random.Next(2) == 0);
            case 4: return ProtoValue.ForString(random.Next(100).ToString(System.Globalization.CultureInfo.InvariantCulture));
            case 5: return new ProtoValue();
            case 6: return ProtoValue.ForList([.. Enumerable.Range(0, random.Next(4)).Select(_ => RandomProto(random, depth - 1, names))]);
            case 7: return PropertyCodec.Secret(RandomProto(random, depth - 1, names));
            case 8:
            {
                var s = new Struct();
                s.Fields[Sentinels.SignatureKey] = ProtoValue.ForString(random.Next(2) == 0 ? Sentinels.OutputValueSignature : FuzzBudget.RandomChars(random, 4));
                if (random.Next(2) == 0)
                {
                    s.Fields["value"] = RandomProto(random, depth - 1, names);
                }

                if (random.Next(2) == 0)
                {
                    s.Fields["secret"] = ProtoValue.ForBool(random.Next(2) == 0);
                }

                return ProtoValue.ForStruct(s);
            }

            default: return ProtoValue.ForStruct(RandomStruct(random, depth - 1, names));
        }
    }

    private static Struct RandomStruct(Random random, int depth, IReadOnlyList<string> names)
    {
        var s = new Struct();
        for (var n = random.Next(6); n > 0; n--)
        {
            var name = random.Next(5) == 0 ? FuzzBudget.RandomChars(random, random.Next(1, 6)) : names[random.Next(names.Count)];
            s.Fields[name] = RandomProto(random, depth, names);
        }

        return s;
    }

    [Fact]
    public void Arbitrary_properties_decode_with_failures_never_an_exception_and_what_decodes_round_trips()
    {
        var clean = 0;
        FuzzBudget.Run(output, "pulumi property codec (arbitrary structs, real shapes)", 400, (random, i) =>
        {
            var route = Routes[random.Next(Routes.Length)];
            var names = route.Model.Shape.Properties.SelectMany(p => new[] { p.CamelName, p.Name }).ToList();
            var news = RandomStruct(random, 3, names);
            var mode = random.Next(4) == 0 ? DecodeMode.Config : DecodeMode.Strict;
            var failures = new List<PropertyFailure>();
            EngineValue decoded;
            try
            {
                decoded = PropertyCodec.DecodeObject(news, route.Model.Shape, mode, failures, inputsOnly: random.Next(2) == 0);
            }
            catch (Exception e)
            {
                Assert.Fail($"case {i} (seed {FuzzBudget.Seed}) {route.Model.Token}: {e.GetType().Name}: {e.Message}\ninput: {Show(news)}\n{e.StackTrace}");
                return;
            }

            if (failures.Count > 0 || mode != DecodeMode.Strict)
            {
                Assert.All(failures, f => Assert.False(string.IsNullOrEmpty(f.Reason)));
                return;
            }

            clean++;
            var encoded = PropertyCodec.EncodeObject(decoded, route.Model.Shape);
            var again = PropertyCodec.DecodeObject(encoded, route.Model.Shape, DecodeMode.Strict, failures);
            if (failures.Count > 0 || !decoded.Equals(again))
            {
                Assert.Fail($"case {i} (seed {FuzzBudget.Seed}) {route.Model.Token}: decode(encode(v)) != v\ninput:   {Show(news)}\nencoded: {Show(encoded)}\nfirst:   {decoded}\nsecond:  {again}\nfailures: {string.Join("; ", failures.Select(f => f.Path + ": " + f.Reason))}");
            }
        });
        FuzzBudget.Report(output, $"pulumi property codec: {clean} structs decoded without failure and round-tripped");
    }

    private static EngineValue RandomEngine(Random random, int depth)
    {
        var value = random.Next(depth <= 0 ? 5 : 7) switch
        {
            0 => EngineValue.Null,
            1 => EngineValue.Unknown,
            2 => EngineValue.String(FuzzBudget.RandomChars(random, random.Next(10)).Replace(Sentinels.Unknown, "x", StringComparison.Ordinal)),
            3 => EngineValue.Number(random.Next(-1_000_000, 1_000_000) / (decimal)(1 << random.Next(4))),
            4 => EngineValue.Bool(random.Next(2) == 0),
            5 => EngineValue.List(Enumerable.Range(0, random.Next(4)).Select(_ => RandomEngine(random, depth - 1))),
            _ => EngineValue.Object(Enumerable.Range(0, random.Next(4)).Select(n => KeyValuePair.Create($"k{n}", RandomEngine(random, depth - 1)))),
        };
        return random.Next(8) == 0 && !value.IsUnknown ? value.AsSensitive() : value;
    }

    [Fact]
    public void Untyped_values_round_trip()
    {
        FuzzBudget.Run(output, "pulumi property codec (untyped round trip)", 400, (random, i) =>
        {
            var value = RandomEngine(random, 3);
            var encoded = PropertyCodec.EncodeUntyped(value);
            var decoded = PropertyCodec.DecodeUntyped(encoded);
            if (!value.Equals(decoded) || value.IsSensitive != decoded.IsSensitive)
            {
                Assert.Fail($"case {i} (seed {FuzzBudget.Seed}): sent {value}\nencoded {Show(encoded)}\ngot {decoded}");
            }
        });
    }
}
