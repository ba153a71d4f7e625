using Google.Protobuf.WellKnownTypes;
using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Resources;
using VgpuIac.Engine.Schema;
using VgpuIac.Pulumi.Logging;
using VgpuIac.Pulumi.PropertyValues;
using VgpuIac.Pulumi.Provider;
using VgpuIac.Pulumi.Rpc;
using VgpuIac.Pulumi.Tests.Support;
using Xunit;
using EngineValue = VgpuIac.Engine.Values.Value;
using ProtoValue = Google.Protobuf.WellKnownTypes.Value;
using ReadRequest = VgpuIac.Engine.Resources.ReadRequest;

namespace VgpuIac.Pulumi.Tests.Provider;

/// <summary>Check goes through the engine's validation entry point: a secret that fails a validator is never in a CheckFailure.</summary>
public sealed class CheckRedactionTests
{
    private static readonly ResourceDefinition Vault = new()
    {
        Name = "vault",
        PulumiName = "Vault",
        Kind = ObjectKind.Resource,
        Description = "A test object with a secret. Second sentence.",
        ImportIdFormat = "<node>/x",
        Attributes =
        [
            Attr.Computed("id", AttrType.String, "id"),
            Engine.Nodes.ProviderSchema.NodeAttribute,
            Attr.Optional("label", AttrType.String, "Label.") with { Validators = [Validators.Pattern("^[a-z]+$", "a lowercase label")] },
            Attr.Optional("password", AttrType.String, "Password.") with { Sensitive = true, Validators = [Validators.Pattern("^[A-Za-z0-9]{12,}$", "12 or more letters and digits")] },
        ],
    };

    private sealed class VaultResource : IResource
    {
        public ResourceDefinition Definition => Vault;

        // a careless rule of the object itself that quotes the password
        public IEnumerable<Diagnostic> Validate(EngineValue config) => config["password"].StringOrNull is { } p && p.Contains(' ', StringComparison.Ordinal)
            ? [Diagnostic.Error("Password with a space", $"\"{p}\" has a space.", AttributePath.Of("password"))]
            : [];

        public Task<PlanResult> PlanAsync(PlanRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<ApplyResult> ApplyAsync(ApplyRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<ReadResult> ReadAsync(ReadRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<ImportResult> ImportAsync(ImportRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    private static async Task<CheckResponse> CheckAsync(params (string Key, ProtoValue Value)[] fields)
    {
        var news = new Struct();
        foreach (var (key, value) in fields)
        {
            news.Fields[key] = value;
        }

        await using var log = new EngineLogSink(null, TextWriter.Null);
        await using var runtime = new ProviderRuntime(log);
        var provider = new VgpuResourceProvider(runtime, new ProviderCatalog(Engine.Catalog.EngineCatalog.Provider, [new VaultResource()], []));
        return await provider.Check(new CheckRequest { Type = "vgpu:index:Vault", Urn = "urn:pulumi:dev::p::vgpu:index:Vault::v", News = news }, null!);
    }

    [Fact]
    public async Task A_sensitive_value_that_fails_a_validator_or_a_check_is_not_in_any_check_failure()
    {
        var response = await CheckAsync(("node", ProtoValue.ForString("pve1")), ("password", ProtoValue.ForString("hunter2 plus")));

        Assert.Equal(2, response.Failures.Count);
        Assert.All(response.Failures, f => Assert.DoesNotContain("hunter2", f.Reason, StringComparison.Ordinal));
        Assert.All(response.Failures, f => Assert.Equal("password", f.Property));
        Assert.Contains(response.Failures, f => f.Reason.Contains("\"(sensitive value)\" is not 12 or more letters and digits.", StringComparison.Ordinal));
        Assert.Contains(response.Failures, f => f.Reason.Contains("\"(sensitive value)\" has a space.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_pulumi_secret_in_a_plain_attribute_is_redacted_and_a_plain_value_is_still_quoted()
    {
        var secret = await CheckAsync(("node", ProtoValue.ForString("pve1")), ("label", PropertyCodec.Secret(ProtoValue.ForString("Top Secret"))));
        var plain = await CheckAsync(("node", ProtoValue.ForString("pve1")), ("label", ProtoValue.ForString("Not Secret")));

        Assert.Contains("\"(sensitive value)\" is not a lowercase label.", Assert.Single(secret.Failures).Reason, StringComparison.Ordinal);
        Assert.Contains("\"Not Secret\" is not a lowercase label.", Assert.Single(plain.Failures).Reason, StringComparison.Ordinal);
    }
}
