using VgpuIac.Engine.Diagnostics;
using AttributePath = VgpuIac.Engine.Diagnostics.AttributePath;
using Diagnostic = VgpuIac.Engine.Diagnostics.Diagnostic;
using VgpuIac.Engine.Logging;
using VgpuIac.Engine.Resources;
using VgpuIac.Engine.Schema;
using VgpuIac.Terraform.Cty;
using VgpuIac.Terraform.Logging;
using VgpuIac.Terraform.Protocol;
using VgpuIac.Terraform.Schemas;
using VgpuIac.Terraform.Service;
using VgpuIac.Terraform.Tests.Support;
using Value = VgpuIac.Engine.Values.Value;

namespace VgpuIac.Terraform.Tests.Schemas;

/// <summary>ValidateResourceConfig goes through the engine's validation entry point: a secret that fails a validator, or an
/// object's own check, is never in a diagnostic, and each problem is reported once.</summary>
public sealed class SensitiveValidationTests
{
    private static readonly ResourceDefinition Vault = new()
    {
        Name = "vault",
        PulumiName = "Vault",
        Kind = ObjectKind.Resource,
        Description = "A test object with a secret.",
        ImportIdFormat = "name",
        Attributes =
        [
            Attr.Computed("id", AttrType.String, "id"),
            Attr.Optional("label", AttrType.String, "Label.") with { Validators = [Validators.Pattern("^[a-z]+$", "a lowercase label")] },
            Attr.Optional("password", AttrType.String, "Password.") with { Sensitive = true, Validators = [Validators.Pattern("^[A-Za-z0-9]{12,}$", "12 or more letters and digits")] },
        ],
    };

    private sealed class VaultResource : IResource
    {
        public ResourceDefinition Definition => Vault;

        // the object's own rules run the validators too (as the guest and the licence server do) and quote the password
        public IEnumerable<Diagnostic> Validate(Value config) => AttributeValidation.Run(Vault, config).Concat(
            config["password"].StringOrNull is { } p && p.Contains(' ', StringComparison.Ordinal)
                ? [Diagnostic.Error("Password with a space", $"\"{p}\" has a space.", AttributePath.Of("password"))]
                : []);

        public Task<PlanResult> PlanAsync(PlanRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<ApplyResult> ApplyAsync(ApplyRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<ReadResult> ReadAsync(ReadRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<ImportResult> ImportAsync(ImportRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    private static async Task<List<VgpuIac.Terraform.Protocol.Diagnostic>> ValidateAsync(params (string Name, Value Value)[] fields)
    {
        var catalog = new TerraformCatalog(DoorHarness.ProviderDefinition, [new VaultResource()], []);
        var service = new ProviderService(catalog, new ProviderConfigurator { Connect = (_, _) => new NodeConnection(UnconfiguredNodes.Instance, []) },
            new ProviderSession(), new HclogLog(TextWriter.Null, null), TimeProvider.System);
        var entry = catalog.Resources["vgpu_vault"];
        var config = Value.Object(entry.Block.Attributes.Select(a => KeyValuePair.Create(a.Name, fields.FirstOrDefault(f => f.Name == a.Name).Value ?? Value.Null))
            .Append(KeyValuePair.Create("timeouts", Value.Null)));
        var response = await service.ValidateResourceConfig(new ValidateResourceConfig.Types.Request { TypeName = "vgpu_vault", Config = WireValues.Encode(config, entry.Type) }, new TestServerCallContext());
        return [.. response.Diagnostics];
    }

    [Fact]
    public async Task A_sensitive_value_that_fails_a_validator_or_a_check_is_never_in_a_diagnostic_and_each_problem_is_reported_once()
    {
        var diagnostics = await ValidateAsync(("password", Value.String("hunter2 plus")));

        Assert.Equal(2, diagnostics.Count);
        Assert.All(diagnostics, d => Assert.DoesNotContain("hunter2", d.Summary + d.Detail, StringComparison.Ordinal));
        Assert.All(diagnostics, d => Assert.Equal("password", d.Attribute.Steps.Single().AttributeName));
        Assert.Contains(diagnostics, d => d.Detail == "\"(sensitive value)\" is not 12 or more letters and digits.");
        Assert.Contains(diagnostics, d => d.Detail == "\"(sensitive value)\" has a space.");
    }

    [Fact]
    public async Task A_plain_value_is_still_quoted()
    {
        var d = Assert.Single(await ValidateAsync(("label", Value.String("Not Secret"))));
        Assert.Equal("\"Not Secret\" is not a lowercase label.", d.Detail);
    }
}
