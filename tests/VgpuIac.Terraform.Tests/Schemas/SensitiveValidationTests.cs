using VgpuIac.Engine.Schema;
using VgpuIac.Engine.Tests.Schema;
using VgpuIac.Terraform.Cty;
using VgpuIac.Terraform.Logging;
using VgpuIac.Terraform.Protocol;
using VgpuIac.Terraform.Schemas;
using VgpuIac.Terraform.Service;
using VgpuIac.Terraform.Tests.Support;
using Value = VgpuIac.Engine.Values.Value;

namespace VgpuIac.Terraform.Tests.Schemas;

/// <summary>
/// ValidateResourceConfig, ValidateDataResourceConfig and ValidateProviderConfig go through the engine's redacting entry
/// point: a sensitive attribute's value that a validator or the object's own check rejects is never in a diagnostic, and
/// each problem is reported once. The cases are the ones the Pulumi door runs too (<see cref="RedactionCases"/>); Terraform
/// sends no marks of its own, so only the cases on sensitive attributes apply here.
/// </summary>
public sealed class SensitiveValidationTests
{
    private static readonly TerraformCatalog Catalog = new(DoorHarness.ProviderDefinition, [new RedactionCases.VaultResource()], [new RedactionCases.VaultDataSource()]);

    private static ProviderService Service() =>
        new(Catalog, new ProviderConfigurator { Connect = (_, _) => new NodeConnection(UnconfiguredNodes.Instance, []) },
            new ProviderSession(), new HclogLog(TextWriter.Null, null), TimeProvider.System);

    private static Value Config(BlockDefinition block, params (string Name, string Value)[] fields) =>
        Value.Object(block.Attributes.Select(a => KeyValuePair.Create(a.Name, fields.Any(f => f.Name == a.Name) ? Value.String(fields.First(f => f.Name == a.Name).Value) : Value.Null))
            .Concat(block.Blocks.Select(b => KeyValuePair.Create(b.Name, Value.Null))));

    public static TheoryData<RedactionCase> SensitiveCases()
    {
        var vault = RedactionCases.Vault(Engine.Schema.ObjectKind.Resource);
        var data = new TheoryData<RedactionCase>();
        foreach (var c in RedactionCases.All.Where(c => vault.FindAttribute(c.Attribute)!.Sensitive))
        {
            data.Add(c);
        }

        return data;
    }

    private static async Task<List<Diagnostic>> ValidateResourceAsync(params (string Name, string Value)[] fields)
    {
        var entry = Catalog.Resources["vgpu_vault"];
        var response = await Service().ValidateResourceConfig(
            new ValidateResourceConfig.Types.Request { TypeName = "vgpu_vault", Config = WireValues.Encode(Config(entry.Block, fields), entry.Type) }, new TestServerCallContext());
        return [.. response.Diagnostics];
    }

    private static async Task<List<Diagnostic>> ValidateDataSourceAsync(params (string Name, string Value)[] fields)
    {
        var entry = Catalog.DataSources["vgpu_vault"];
        var response = await Service().ValidateDataResourceConfig(
            new ValidateDataResourceConfig.Types.Request { TypeName = "vgpu_vault", Config = WireValues.Encode(Config(entry.Block, fields), entry.Type) }, new TestServerCallContext());
        return [.. response.Diagnostics];
    }

    private static void AssertRedacted(RedactionCase c, List<Diagnostic> diagnostics)
    {
        Assert.NotEmpty(diagnostics);
        Assert.All(diagnostics, d => Assert.DoesNotContain(RedactionCases.Marker, d.Summary + d.Detail, StringComparison.Ordinal));
        Assert.Contains(diagnostics, d => d.Attribute.Steps.Single().AttributeName == c.Attribute && d.Detail.Contains($"\"{AttributeValidation.Redacted}\"", StringComparison.Ordinal));
        Assert.Equal(diagnostics.Count, diagnostics.Select(d => (d.Summary, d.Detail)).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(SensitiveCases))]
    public async Task ValidateResourceConfig_never_quotes_a_secret(RedactionCase c) =>
        AssertRedacted(c, await ValidateResourceAsync(("node", "pve1"), (c.Attribute, c.Value)));

    [Theory]
    [MemberData(nameof(SensitiveCases))]
    public async Task ValidateDataResourceConfig_never_quotes_a_secret(RedactionCase c) =>
        AssertRedacted(c, await ValidateDataSourceAsync(("node", "pve1"), (c.Attribute, c.Value)));

    [Fact]
    public async Task A_password_the_validator_and_the_check_both_reject_is_reported_twice_redacted_and_a_plain_value_is_still_quoted()
    {
        var diagnostics = await ValidateResourceAsync(("node", "pve1"), ("password", $"{RedactionCases.Marker} plus"));
        Assert.Equal(2, diagnostics.Count);
        Assert.Contains(diagnostics, d => d.Detail == $"\"{AttributeValidation.Redacted}\" is not 12 or more letters and digits.");
        Assert.Contains(diagnostics, d => d.Detail == $"\"{AttributeValidation.Redacted}\" has a space.");

        var plain = Assert.Single(await ValidateResourceAsync(("node", "pve1"), ("label", "Not Secret")));
        Assert.Equal("\"Not Secret\" is not a lowercase label.", plain.Detail);
    }
}
