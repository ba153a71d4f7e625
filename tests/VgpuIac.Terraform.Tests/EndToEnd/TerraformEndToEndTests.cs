using System.Globalization;
using System.Text;
using VgpuIac.Engine.Catalog;
using VgpuIac.Engine.Schema;
using VgpuIac.Terraform.Schemas;

namespace VgpuIac.Terraform.Tests.EndToEnd;

/// <summary>The real terraform CLI (dev_overrides) against the provider binary.</summary>
[Trait("Category", "E2E")]
public sealed class TerraformEndToEndTests : IDisposable
{
    private const string ProviderBlock = """
        terraform {
          required_providers {
            vgpu = { source = "vgpuiac/vgpu" }
          }
        }

        provider "vgpu" {
          node "pve1" {
            host            = "127.0.0.1"
            port            = 1
            host_key_sha256 = "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"
            password        = "not-a-real-password"
            connect_timeout = "2s"
          }
        }
        """;

    private readonly TerraformCli _terraform = new();

    [Fact]
    public async Task Validate_points_at_the_attribute_with_a_bad_value()
    {
        Assert.True(TerraformCli.Available, "terraform must be on PATH for the end-to-end tests");
        var resource = FirstResource();
        _terraform.WriteConfig(ProviderBlock + $$"""

            resource "{{TerraformCatalog.PrimaryTypeName(resource)}}" "under_test" {
            {{RequiredArguments(resource)}}
              timeouts {
                create = "ten minutes"
              }
            }
            """);

        var (exitCode, output) = await _terraform.RunAsync("validate");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Invalid timeout", output, StringComparison.Ordinal);
        // Terraform shows the source line of the attribute the diagnostic's path names.
        Assert.Contains("create = \"ten minutes\"", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Plugin did not respond", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_accepts_a_provider_block_and_reports_an_unknown_alias_free_config_as_valid()
    {
        Assert.True(TerraformCli.Available, "terraform must be on PATH for the end-to-end tests");
        _terraform.WriteConfig(ProviderBlock);

        var (exitCode, output) = await _terraform.RunAsync("validate");

        Assert.True(exitCode == 0, output);
        Assert.Contains("The configuration is valid", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_configures_the_provider_and_plans_a_create_with_defaults_and_unknowns()
    {
        Assert.True(TerraformCli.Available, "terraform must be on PATH for the end-to-end tests");
        Assert.True(EngineCatalog.Resources.Any(r => r.Definition.Name == "dls_license_server"), "the plan test uses vgpu_dls_license_server");
        _terraform.WriteConfig(ProviderBlock + """

            resource "vgpu_dls_license_server" "under_test" {
              hosting = "docker_host"
              dls_url = "dls.example"
            }
            """);

        var (exitCode, output) = await _terraform.RunAsync("plan", "-input=false");

        Assert.True(exitCode == 0, output);
        Assert.Contains("Plan: 1 to add, 0 to change, 0 to destroy.", output, StringComparison.Ordinal);
        Assert.Contains("+ dls_port             = 443", output, StringComparison.Ordinal);
        Assert.Contains("+ id                   = (known after apply)", output, StringComparison.Ordinal);
        Assert.Contains("+ client_token         = (sensitive value)", output, StringComparison.Ordinal);
        Assert.DoesNotContain("not-a-real-password", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bare_alias_type_name_works_with_an_explicit_provider()
    {
        Assert.True(TerraformCli.Available, "terraform must be on PATH for the end-to-end tests");
        Assert.True(EngineCatalog.Resources.Any(r => r.Definition.Aliases.Contains("dls_license_server")), "the alias test uses dls_license_server");
        _terraform.WriteConfig(ProviderBlock + """

            resource "dls_license_server" "aliased" {
              provider = vgpu
              hosting  = "docker_host"
              dls_url  = "dls.example"
            }
            """);

        var (exitCode, output) = await _terraform.RunAsync("plan", "-input=false");

        Assert.True(exitCode == 0, output);
        Assert.Contains("Plan: 1 to add", output, StringComparison.Ordinal);
    }

    private static ResourceDefinition FirstResource()
    {
        Assert.False(EngineCatalog.Resources.IsEmpty, "the engine catalog has no resources yet");
        return EngineCatalog.Resources[0].Definition;
    }

    /// <summary>Each required argument with a placeholder of its type, so HCL decoding passes and the provider is asked.</summary>
    private static string RequiredArguments(ResourceDefinition definition)
    {
        var sb = new StringBuilder();
        foreach (var attribute in definition.Attributes.Where(a => a.IsRequired))
        {
            sb.Append("  ").Append(attribute.Name).Append(" = ").Append(Placeholder(attribute.Type)).Append('\n');
        }

        return sb.ToString();
    }

    private static string Placeholder(AttrType type) => type switch
    {
        PrimitiveType { Kind: PrimitiveKind.String } => "\"example\"",
        PrimitiveType { Kind: PrimitiveKind.Number } => 100.ToString(CultureInfo.InvariantCulture),
        PrimitiveType { Kind: PrimitiveKind.Bool } => "true",
        ListType or SetType => "[]",
        _ => "{}",
    };

    public void Dispose() => _terraform.Dispose();
}
