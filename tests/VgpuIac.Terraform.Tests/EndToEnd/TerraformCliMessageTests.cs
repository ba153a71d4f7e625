namespace VgpuIac.Terraform.Tests.EndToEnd;

/// <summary>
/// A failed terraform run's output in a test's failure message: terraform's errors first (a CI log keeps only a
/// message's first lines), without the dev_overrides warning every run prints, and nothing of the output lost.
/// </summary>
public sealed class TerraformCliMessageTests
{
    private const string Output = """
        vgpu_dls_license_server.dls: Refreshing state... [id=pve1/250]

        Warning: Provider development overrides are in effect

        The following provider development overrides are set in the CLI
        configuration:
         - vgpuiac/vgpu in /check/work/main/artifacts/provider

        The behavior may therefore not match any released version of the provider and
        applying changes may cause the state to become unexpected.
        vgpu_dls_license_server.dls: Modifying... [id=pve1/250]

        Error: Unable to reach the licence server

          with vgpu_dls_license_server.dls,
          on main.tf line 9, in resource "vgpu_dls_license_server" "dls":
           9:   dls_url    = "127.0.0.1"

        https://127.0.0.1:14011/-/health did not answer over TLS within 90 s.
        last answer: curl: (7) Failed to connect
        --- docker logs (last 20 lines)
        """;

    [Fact]
    public void Errors_come_first_and_the_dev_overrides_warning_goes()
    {
        var message = TerraformCli.ForMessage(Output);

        Assert.StartsWith("Error: Unable to reach the licence server\n", message, StringComparison.Ordinal);
        Assert.DoesNotContain("development overrides", message, StringComparison.Ordinal);
        Assert.DoesNotContain("applying changes may cause", message, StringComparison.Ordinal);
        Assert.Contains("Refreshing state... [id=pve1/250]", message, StringComparison.Ordinal);
        Assert.Contains("Modifying... [id=pve1/250]", message, StringComparison.Ordinal);
        Assert.Contains("did not answer over TLS within 90 s.", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Output_without_errors_is_kept_as_it_is_minus_the_warning()
    {
        const string Plain = "Plan: 1 to add, 0 to change, 0 to destroy.\n";
        Assert.Equal(Plain.Trim(), TerraformCli.ForMessage(Plain));
    }
}
