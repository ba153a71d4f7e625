using Google.Protobuf.WellKnownTypes;
using VgpuIac.Engine.Schema;
using VgpuIac.Pulumi.Model;
using VgpuIac.Pulumi.PropertyValues;
using EngineValue = VgpuIac.Engine.Values.Value;
using ProtoValue = Google.Protobuf.WellKnownTypes.Value;

namespace VgpuIac.Pulumi.Tests.PropertyValues;

public sealed class PropertyCodecTests
{
    private static readonly ResourceDefinition Definition = new()
    {
        Name = "sample_thing",
        PulumiName = "SampleThing",
        Kind = ObjectKind.Resource,
        Description = "test",
        Attributes =
        [
            Attr.Computed("id", AttrType.String, "id"),
            Attr.Required("host_name", AttrType.String, "h"),
            Attr.Optional("port", AttrType.Number, "p"),
            Attr.Optional("enabled", AttrType.Bool, "e"),
            Attr.Optional("api_token", AttrType.String, "t") with { Sensitive = true },
            Attr.Optional("tags", AttrType.SetOf(AttrType.String), "t"),
            Attr.Optional("labels", AttrType.MapOf(AttrType.String), "l"),
            Attr.Optional("gpu_slots", AttrType.ListOf(AttrType.ObjectOf(new ObjectField("pci_address", AttrType.String), new ObjectField("mdev_type", AttrType.String, Optional: true))), "g"),
            Attr.Computed("kernel_version", AttrType.String, "k"),
        ],
        Blocks =
        [
            new BlockDefinition
            {
                Name = "node",
                Description = "n",
                Nesting = BlockNesting.Map,
                Attributes = [Attr.Required("host", AttrType.String, "h"), Attr.Optional("ssh_port", AttrType.Number, "s")],
            },
        ],
    };

    private static readonly PulumiDefinition Model = PulumiDefinition.For(Definition);

    [Theory]
    [InlineData("host_key_sha256", "hostKeySha256")]
    [InlineData("node", "node")]
    [InlineData("disk_size_gb", "diskSizeGb")]
    [InlineData("a_b_c", "aBC")]
    public void Snake_case_names_become_camel_case(string snake, string camel) => Assert.Equal(camel, PropertyNames.ToCamel(snake));

    [Fact]
    public void The_id_attribute_is_not_a_pulumi_property()
    {
        Assert.Null(Model.Shape.FindByCamel("id"));
        Assert.True(Model.HasIdAttribute);
        Assert.NotNull(Model.Shape.FindByCamel("hostName"));
    }

    [Fact]
    public void Decodes_typed_values_with_snake_case_names_and_every_attribute_present()
    {
        var s = Struct(("hostName", ProtoValue.ForString("pve1")), ("port", ProtoValue.ForNumber(2222)), ("enabled", ProtoValue.ForBool(true)),
            ("tags", ProtoValue.ForList(ProtoValue.ForString("b"), ProtoValue.ForString("a"), ProtoValue.ForString("b"))));
        var failures = new List<PropertyFailure>();
        var v = PropertyCodec.DecodeObject(s, Model.Shape, DecodeMode.Strict, failures);
        Assert.Empty(failures);
        Assert.Equal("pve1", v["host_name"].AsString());
        Assert.Equal(2222L, v["port"].AsInt64());
        Assert.True(v["enabled"].AsBool());
        Assert.Equal(EngineValue.Set([EngineValue.String("a"), EngineValue.String("b")]), v["tags"]);
        Assert.True(v["api_token"].IsNull);
        Assert.True(v["kernel_version"].IsNull);
        Assert.Equal(EngineValue.EmptyMap, v["node"]);
    }

    [Fact]
    public void Numbers_keep_integers_exact_and_fractions_short()
    {
        var failures = new List<PropertyFailure>();
        Assert.Equal(9007199254740991m, PropertyCodec.Decode(ProtoValue.ForNumber(9007199254740991d), new PulumiPrimitive(PrimitiveKind.Number), "n", DecodeMode.Strict, failures).AsNumber());
        Assert.Equal(0.15m, PropertyCodec.Decode(ProtoValue.ForNumber(0.15), new PulumiPrimitive(PrimitiveKind.Number), "n", DecodeMode.Strict, failures).AsNumber());
        Assert.Equal(0.15, PropertyCodec.Encode(EngineValue.Number(0.15m), new PulumiPrimitive(PrimitiveKind.Number)).NumberValue);
        Assert.Empty(failures);
    }

    [Fact]
    public void Integers_are_doubles_on_the_wire_and_a_fraction_is_a_failure_naming_the_property()
    {
        var integer = new PulumiPrimitive(PrimitiveKind.Number, WholeNumber: true);
        var failures = new List<PropertyFailure>();
        Assert.Equal(104m, PropertyCodec.Decode(ProtoValue.ForNumber(104d), integer, "vmid", DecodeMode.Strict, failures).AsNumber());
        Assert.Equal(2222m, PropertyCodec.Decode(ProtoValue.ForString("2222"), integer, "port", DecodeMode.Config, failures).AsNumber());
        Assert.Equal(ProtoValue.KindOneofCase.NumberValue, PropertyCodec.Encode(EngineValue.Number(104), integer).KindCase);
        Assert.Empty(failures);

        Assert.True(PropertyCodec.Decode(ProtoValue.ForNumber(2.5), integer, "cores", DecodeMode.Strict, failures).IsNull);
        Assert.True(PropertyCodec.Decode(ProtoValue.ForString("22.5"), integer, "port", DecodeMode.Config, failures).IsNull);
        Assert.Equal(["cores", "port"], failures.Select(f => f.Path));
        Assert.Equal("expected an integer, got 2.5", failures[0].Reason);

        var model = PulumiDefinition.For(Definition with { Attributes = [.. Definition.Attributes, Attr.Optional("cores", AttrType.Integer, "c"), Attr.Optional("memory_mb", AttrType.Number, "m") with { Validators = [Validators.IntRange(1, 10)] }] });
        Assert.Equal(new PulumiPrimitive(PrimitiveKind.Number, WholeNumber: true), model.Shape.FindByCamel("cores")!.Type);
        Assert.Equal(new PulumiPrimitive(PrimitiveKind.Number, WholeNumber: true), model.Shape.FindByCamel("memoryMb")!.Type);
        Assert.Equal(new PulumiPrimitive(PrimitiveKind.Number), model.Shape.FindByCamel("port")!.Type);
    }

    [Theory]
    [InlineData("04da6b54-80e4-46f7-96ec-b56ff0331ba9")]
    [InlineData("1c4a061d-8072-4f0a-a4cb-0ff528b18fe7")]
    [InlineData("3eeb2bf0-c639-47a8-9e75-3b44932eb421")]
    [InlineData("6a19a0b0-7e62-4c92-b797-7f8e31da9cc2")]
    [InlineData("dd056dcd-154b-4c76-9bd3-c8f88648b5ff")]
    public void Every_unknown_sentinel_is_unknown_before_type_conversion(string sentinel)
    {
        var failures = new List<PropertyFailure>();
        var v = PropertyCodec.DecodeObject(Struct(("port", ProtoValue.ForString(sentinel)), ("enabled", ProtoValue.ForString(sentinel)), ("tags", ProtoValue.ForString(sentinel))), Model.Shape, DecodeMode.Strict, failures);
        Assert.Empty(failures);
        Assert.True(v["port"].IsUnknown);
        Assert.True(v["enabled"].IsUnknown);
        Assert.True(v["tags"].IsUnknown);
        Assert.False(v.IsWhollyKnown);
    }

    [Fact]
    public void Unknown_values_encode_as_the_string_sentinel_even_nested()
    {
        var value = EngineValue.Object(("host_name", EngineValue.String("x")), ("kernel_version", EngineValue.Unknown),
            ("gpu_slots", EngineValue.List(EngineValue.Object(("pci_address", EngineValue.Unknown), ("mdev_type", EngineValue.Null)))));
        var s = PropertyCodec.EncodeObject(value, Model.Shape);
        Assert.Equal(Sentinels.Unknown, s.Fields["kernelVersion"].StringValue);
        Assert.Equal(Sentinels.Unknown, s.Fields["gpuSlots"].ListValue.Values[0].StructValue.Fields["pciAddress"].StringValue);
        Assert.False(s.Fields["gpuSlots"].ListValue.Values[0].StructValue.Fields.ContainsKey("mdevType"));
    }

    [Fact]
    public void Secrets_decode_to_sensitive_values_at_any_depth_and_compare_equal_to_plain_text()
    {
        var s = Struct(("hostName", PropertyCodec.Secret(ProtoValue.ForString("pve1"))),
            ("labels", ProtoValue.ForStruct(Struct(("k", PropertyCodec.Secret(ProtoValue.ForString(Sentinels.Unknown)))))));
        var failures = new List<PropertyFailure>();
        var v = PropertyCodec.DecodeObject(s, Model.Shape, DecodeMode.Strict, failures);
        Assert.Empty(failures);
        Assert.True(v["host_name"].IsSensitive);
        Assert.Equal(EngineValue.String("pve1"), v["host_name"]);
        Assert.True(v["labels"].Fields["k"].IsUnknown);
        Assert.True(v["labels"].Fields["k"].IsSensitive);
    }

    [Fact]
    public void Sensitive_values_and_sensitive_attributes_and_secret_inputs_come_back_as_secrets()
    {
        var value = EngineValue.Object(("host_name", EngineValue.String("pve1")), ("api_token", EngineValue.String("tok")),
            ("port", EngineValue.Number(22)), ("labels", EngineValue.Map([new("k", EngineValue.String("v").AsSensitive())])));
        var s = PropertyCodec.EncodeObject(value, Model.Shape, new HashSet<string> { "port" });
        Assert.False(PropertyCodec.IsSecret(s.Fields["hostName"]));
        Assert.True(PropertyCodec.IsSecret(s.Fields["apiToken"]));
        Assert.Equal("tok", s.Fields["apiToken"].StructValue.Fields["value"].StringValue);
        Assert.True(PropertyCodec.IsSecret(s.Fields["port"]));
        Assert.True(PropertyCodec.IsSecret(s.Fields["labels"].StructValue.Fields["k"]));
        Assert.Equal(new HashSet<string> { "apiToken", "port" }, PropertyCodec.SecretProperties(s));
    }

    [Fact]
    public void Round_trip_keeps_values_secrets_and_unknowns()
    {
        var value = EngineValue.Object(
            ("id", EngineValue.Null),
            ("host_name", EngineValue.String("pve1")),
            ("port", EngineValue.Number(2222)),
            ("enabled", EngineValue.False),
            ("api_token", EngineValue.String("s3cret").AsSensitive()),
            ("tags", EngineValue.Set([EngineValue.String("x")])),
            ("labels", EngineValue.Map([new("a b", EngineValue.String("c"))])),
            ("gpu_slots", EngineValue.List(EngineValue.Object(("pci_address", EngineValue.String("0000:01:00.0")), ("mdev_type", EngineValue.Unknown)))),
            ("kernel_version", EngineValue.Unknown),
            ("node", EngineValue.Map([new("pve1", EngineValue.Object(("host", EngineValue.String("10.0.0.5")), ("ssh_port", EngineValue.Number(22))))])));
        var encoded = PropertyCodec.EncodeObject(value, Model.Shape);
        var failures = new List<PropertyFailure>();
        var decoded = PropertyCodec.DecodeObject(encoded, Model.Shape, DecodeMode.Strict, failures).With("id", EngineValue.Null);
        Assert.Empty(failures);
        Assert.Equal(value, decoded);
        Assert.True(decoded["api_token"].IsSensitive);
        Assert.Equal("a b", encoded.Fields["labels"].StructValue.Fields.Keys.Single());
        Assert.Equal("10.0.0.5", encoded.Fields["node"].StructValue.Fields["pve1"].StructValue.Fields["host"].StringValue);
        Assert.True(encoded.Fields["node"].StructValue.Fields["pve1"].StructValue.Fields.ContainsKey("sshPort"));
    }

    [Fact]
    public void Output_values_and_resource_references_are_downgraded()
    {
        var output = new Struct();
        output.Fields[Sentinels.SignatureKey] = ProtoValue.ForString(Sentinels.OutputValueSignature);
        output.Fields["value"] = ProtoValue.ForString("pve1");
        output.Fields["secret"] = ProtoValue.ForBool(true);
        var unknownOutput = new Struct();
        unknownOutput.Fields[Sentinels.SignatureKey] = ProtoValue.ForString(Sentinels.OutputValueSignature);
        var reference = new Struct();
        reference.Fields[Sentinels.SignatureKey] = ProtoValue.ForString(Sentinels.ResourceReferenceSignature);
        reference.Fields["urn"] = ProtoValue.ForString("urn:pulumi:s::p::vgpu:index:Guest::g");
        reference.Fields["id"] = ProtoValue.ForString("pve1/qemu/100");
        var failures = new List<PropertyFailure>();
        var v = PropertyCodec.DecodeObject(Struct(("hostName", ProtoValue.ForStruct(output)), ("port", ProtoValue.ForStruct(unknownOutput)), ("apiToken", ProtoValue.ForStruct(reference))), Model.Shape, DecodeMode.Strict, failures);
        Assert.Empty(failures);
        Assert.Equal("pve1", v["host_name"].AsString());
        Assert.True(v["host_name"].IsSensitive);
        Assert.True(v["port"].IsUnknown);
        Assert.Equal("pve1/qemu/100", v["api_token"].AsString());
        Assert.Contains("hostName", PropertyCodec.SecretProperties(Struct(("hostName", ProtoValue.ForStruct(output)))));
    }

    [Fact]
    public void Type_mismatches_and_unknown_keys_are_failures_at_property_paths()
    {
        var s = Struct(("hostName", ProtoValue.ForNumber(3)), ("bogus", ProtoValue.ForString("x")), ("kernelVersion", ProtoValue.ForString("k")),
            ("gpuSlots", ProtoValue.ForList(ProtoValue.ForStruct(Struct(("pciAddress", ProtoValue.ForBool(true)))))),
            ("node", ProtoValue.ForStruct(Struct(("pve1", ProtoValue.ForStruct(Struct(("sshPort", ProtoValue.ForString("x")))))))),
            ("__defaults", ProtoValue.ForList()));
        var failures = new List<PropertyFailure>();
        PropertyCodec.DecodeObject(s, Model.Shape, DecodeMode.Strict, failures, inputsOnly: true);
        var paths = failures.Select(f => f.Path).ToHashSet();
        Assert.Contains("hostName", paths);
        Assert.Contains("bogus", paths);
        Assert.Contains("kernelVersion", paths);
        Assert.Contains("gpuSlots[0].pciAddress", paths);
        Assert.Contains("node[\"pve1\"].sshPort", paths);
        Assert.DoesNotContain("__defaults", paths);
        Assert.Contains(failures, f => f.Path == "kernelVersion" && f.Reason.Contains("output", StringComparison.Ordinal));
    }

    [Fact]
    public void Config_mode_reads_stack_config_strings_as_numbers_booleans_and_json_objects()
    {
        var s = Struct(("port", ProtoValue.ForString("2222")), ("enabled", ProtoValue.ForString("true")),
            ("node", ProtoValue.ForString("{\"pve1\":{\"host\":\"10.0.0.5\",\"sshPort\":22}}")));
        var failures = new List<PropertyFailure>();
        var v = PropertyCodec.DecodeObject(s, Model.Shape, DecodeMode.Config, failures);
        Assert.Empty(failures);
        Assert.Equal(2222L, v["port"].AsInt64());
        Assert.True(v["enabled"].AsBool());
        Assert.Equal("10.0.0.5", v["node"].Fields["pve1"]["host"].AsString());
        Assert.Equal(22L, v["node"].Fields["pve1"]["ssh_port"].AsInt64());

        PropertyCodec.DecodeObject(Struct(("port", ProtoValue.ForString("2222"))), Model.Shape, DecodeMode.Strict, failures);
        Assert.Single(failures);
    }

    private static Struct Struct(params (string Key, ProtoValue Value)[] fields)
    {
        var s = new Struct();
        foreach (var (k, v) in fields)
        {
            s.Fields[k] = v;
        }

        return s;
    }
}
