using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using VgpuIac.Engine.Schema;
using VgpuIac.Engine.Tests.Schema;
using VgpuIac.Pulumi.Logging;
using VgpuIac.Pulumi.PropertyValues;
using VgpuIac.Pulumi.Provider;
using VgpuIac.Pulumi.Rpc;
using Xunit;
using ProtoValue = Google.Protobuf.WellKnownTypes.Value;

namespace VgpuIac.Pulumi.Tests.Provider;

/// <summary>
/// Every Pulumi entry that validates goes through the engine's redacting entry point: Check (resources), Invoke (functions),
/// CheckConfig and Configure (the provider). A value of a sensitive attribute, or a Pulumi secret in any attribute, that a
/// validator or a check rejects is never in a CheckFailure or an error, and a plain value is still quoted. The cases are the
/// ones the Terraform door runs too (<see cref="RedactionCases"/>).
/// </summary>
public sealed class RedactionTests
{
    private const string Pin = "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU";

    private static ProtoValue Wire(RedactionCase c) =>
        c.Kind == SecretKind.MarkedValue ? PropertyCodec.Secret(ProtoValue.ForString(c.Value)) : ProtoValue.ForString(c.Value);

    private static Struct Args(params (string Key, ProtoValue Value)[] fields)
    {
        var s = new Struct();
        foreach (var (key, value) in fields)
        {
            s.Fields[key] = value;
        }

        return s;
    }

    private static async Task<T> WithProviderAsync<T>(Func<VgpuResourceProvider, Task<T>> call)
    {
        await using var log = new EngineLogSink(null, TextWriter.Null);
        await using var runtime = new ProviderRuntime(log, _ => null);
        var provider = new VgpuResourceProvider(runtime, new ProviderCatalog(Engine.Catalog.EngineCatalog.Provider, [new RedactionCases.VaultResource()], [new RedactionCases.VaultDataSource()]));
        return await call(provider);
    }

    private static void AssertRedacted(RedactionCase c, IReadOnlyCollection<CheckFailure> failures)
    {
        Assert.NotEmpty(failures);
        Assert.All(failures, f => Assert.DoesNotContain(RedactionCases.Marker, f.Reason, StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Property == c.Attribute && f.Reason.Contains($"\"{AttributeValidation.Redacted}\"", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(RedactionCases.Data), MemberType = typeof(RedactionCases))]
    public async Task Check_never_quotes_a_secret(RedactionCase c)
    {
        var response = await WithProviderAsync(p => p.Check(new CheckRequest
        {
            Type = "vgpu:index:Vault",
            Urn = "urn:pulumi:dev::p::vgpu:index:Vault::v",
            News = Args(("node", ProtoValue.ForString("pve1")), (c.Attribute, Wire(c))),
        }, null!));

        AssertRedacted(c, response.Failures);
    }

    [Theory]
    [MemberData(nameof(RedactionCases.Data), MemberType = typeof(RedactionCases))]
    public async Task Invoke_never_quotes_a_secret(RedactionCase c)
    {
        var response = await WithProviderAsync(p => p.Invoke(new InvokeRequest
        {
            Tok = "vgpu:index:getVault",
            Args = Args(("node", ProtoValue.ForString("pve1")), (c.Attribute, Wire(c))),
        }, null!));

        AssertRedacted(c, response.Failures);
    }

    [Fact]
    public async Task A_plain_value_is_still_quoted_by_check_and_invoke()
    {
        var args = Args(("node", ProtoValue.ForString("pve1")), ("label", ProtoValue.ForString("Not Secret")));
        var check = await WithProviderAsync(p => p.Check(new CheckRequest { Type = "vgpu:index:Vault", Urn = "urn:pulumi:dev::p::vgpu:index:Vault::v", News = args }, null!));
        var invoke = await WithProviderAsync(p => p.Invoke(new InvokeRequest { Tok = "vgpu:index:getVault", Args = args }, null!));

        Assert.Contains("\"Not Secret\" is not a lowercase label.", Assert.Single(check.Failures).Reason, StringComparison.Ordinal);
        Assert.Contains("\"Not Secret\" is not a lowercase label.", Assert.Single(invoke.Failures).Reason, StringComparison.Ordinal);
    }

    private static Struct ProviderConfig(params (string Key, ProtoValue Value)[] node) =>
        Args(("node", ProtoValue.ForStruct(Args(("pve1", ProtoValue.ForStruct(Args([("host", ProtoValue.ForString("10.0.0.5")), .. node])))))));

    [Fact]
    public async Task CheckConfig_never_quotes_a_secret_the_provider_checks_reject()
    {
        var secret = await WithProviderAsync(p => p.CheckConfig(new CheckRequest
        {
            Urn = "urn:pulumi:dev::p::pulumi:providers:vgpu::default",
            News = ProviderConfig(("hostKeySha256", ProtoValue.ForString(Pin)), ("password", ProtoValue.ForString("pw")),
                ("connectTimeout", PropertyCodec.Secret(ProtoValue.ForString($"{RedactionCases.Marker}-timeout")))),
        }, null!));
        var plain = await WithProviderAsync(p => p.CheckConfig(new CheckRequest
        {
            Urn = "urn:pulumi:dev::p::pulumi:providers:vgpu::default",
            News = ProviderConfig(("hostKeySha256", ProtoValue.ForString(Pin)), ("password", ProtoValue.ForString("pw")), ("connectTimeout", ProtoValue.ForString("soon"))),
        }, null!));

        var failure = Assert.Single(secret.Failures);
        Assert.DoesNotContain(RedactionCases.Marker, failure.Reason, StringComparison.Ordinal);
        Assert.Contains($"`connect_timeout` \"{AttributeValidation.Redacted}\" is not a duration", failure.Reason, StringComparison.Ordinal);
        Assert.Contains("`connect_timeout` \"soon\" is not a duration", Assert.Single(plain.Failures).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Configure_never_quotes_a_secret_path_it_cannot_read()
    {
        var missing = $"/nonexistent/{RedactionCases.Marker}/known_hosts";
        var error = await Assert.ThrowsAsync<RpcException>(() => WithProviderAsync(p => p.Configure(new ConfigureRequest
        {
            Args = ProviderConfig(("password", ProtoValue.ForString("pw")), ("knownHostsFile", PropertyCodec.Secret(ProtoValue.ForString(missing)))),
        }, null!)));

        Assert.DoesNotContain(RedactionCases.Marker, error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains($"Cannot read the known_hosts file \"{AttributeValidation.Redacted}\"", error.Status.Detail, StringComparison.Ordinal);
    }
}
