using BenchmarkDotNet.Attributes;
using VgpuIac.Engine.Guests;
using VgpuIac.Engine.Parsing.Mdev;
using VgpuIac.Engine.Parsing.Pve;
using VgpuIac.Engine.Values;
using VgpuIac.Terraform.Cty;
using VgpuIac.Terraform.Schemas;

namespace VgpuIac.Benchmarks;

/// <summary>
/// The per-call costs a refresh pays: decoding and encoding a guest's state (msgpack, as Terraform sends it on every
/// plan) and parsing what the node prints (qm config, mdevctl types --dumpjson). Inputs are real samples from the fixtures.
/// </summary>
[MemoryDiagnoser]
public class CodecAndParserBenchmarks
{
    private CtyObject _guestType = null!;
    private Value _guest = null!;
    private byte[] _guestMsgpack = [];
    private string _qmConfig = string.Empty;
    private string _mdevTypes = string.Empty;

    [GlobalSetup]
    public void Setup()
    {
        _guestType = TerraformType.Of(TerraformCatalog.ToBlock(GuestDefinition.Definition));
        var fields = new Dictionary<string, Value>(StringComparer.Ordinal);
        foreach (var a in GuestDefinition.Definition.Attributes)
        {
            fields[a.Name] = Value.Null;
        }

        fields["id"] = Value.String("pve1/200");
        fields["node"] = Value.String("pve1");
        fields["vmid"] = Value.Number(200);
        fields["name"] = Value.String("vgpu-ubuntu");
        fields["os"] = Value.String("linux");
        fields["machine"] = Value.String("q35");
        fields["bios"] = Value.String("ovmf");
        fields["cores"] = Value.Number(4);
        fields["memory_mb"] = Value.Number(8192);
        fields["mdev_type"] = Value.String("nvidia-46");
        fields["license_token"] = Value.String(new string('x', 2700));
        fields["license_status"] = Value.String("Licensed (Expiry: 2027-2-27 7:13:20 GMT)");
        fields["ip_addresses"] = Value.List(Value.String("10.10.0.202"));
        var template = TerraformType.Of(TerraformCatalog.ToBlock(GuestDefinition.Definition));
        foreach (var name in template.Attributes.Keys.Where(k => !fields.ContainsKey(k)))
        {
            fields[name] = Value.Null;
        }

        _guest = Value.Object(fields);
        _guestMsgpack = CtyMsgpack.Encode(_guest, _guestType);
        var dir = Path.Combine(AppContext.BaseDirectory, "samples");
        _qmConfig = Body(File.ReadAllText(Path.Combine(dir, "qm-config.txt")));
        _mdevTypes = Body(File.ReadAllText(Path.Combine(dir, "mdevctl-types.json.txt")));
    }

    private static string Body(string fixture) => fixture[(fixture.IndexOf("# ---\n", StringComparison.Ordinal) + 6)..];

    [Benchmark]
    public Value MsgpackDecodeGuest() => CtyMsgpack.Decode(_guestMsgpack, _guestType);

    [Benchmark]
    public byte[] MsgpackEncodeGuest() => CtyMsgpack.Encode(_guest, _guestType);

    [Benchmark]
    public object ParseQmConfig() => QmConfigParser.Parse(_qmConfig).Value.HostPci;

    [Benchmark]
    public object ParseMdevctlTypes() => MdevctlTypesParser.ParseJson(_mdevTypes).Value;
}
