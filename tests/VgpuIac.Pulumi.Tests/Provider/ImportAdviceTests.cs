using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Licensing;
using VgpuIac.Pulumi.Provider;
using Xunit;

namespace VgpuIac.Pulumi.Tests.Provider;

/// <summary>The engine gives the fact (an object that can be imported, and its ID); the Pulumi door gives Pulumi's advice, never Terraform's.</summary>
public sealed class ImportAdviceTests
{
    [Fact]
    public void An_import_hint_becomes_pulumi_import_with_the_type_token()
    {
        var d = Diagnostic.Error("Unable to create the licence server container", "Container 250 already exists on the node.", AttributePath.Of("vmid"))
            with { Import = new ImportHint(DlsLicenseServerDefinition.Definition, "pve1/lxc/250") };

        var text = RpcFailures.Describe(d);
        var check = RpcFailures.ToCheckFailure(d);

        Assert.Contains("pulumi import vgpu:index:DlsLicenseServer <name> pve1/lxc/250", text, StringComparison.Ordinal);
        Assert.Contains("pulumi import vgpu:index:DlsLicenseServer <name> pve1/lxc/250", check.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("terraform", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("terraform", check.Reason, StringComparison.OrdinalIgnoreCase);
    }
}
