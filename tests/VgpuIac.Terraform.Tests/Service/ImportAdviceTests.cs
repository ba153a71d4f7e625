using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Guests;
using VgpuIac.Terraform.Service;
using Xunit;

namespace VgpuIac.Terraform.Tests.Service;

/// <summary>The engine gives the fact (an object that can be imported, and its ID); the Terraform door gives Terraform's advice.</summary>
public sealed class ImportAdviceTests
{
    [Fact]
    public void An_import_hint_becomes_terraform_import_and_an_import_block()
    {
        var d = Diagnostic.Error("Unable to create the VM", "VM 200 already exists on the node.") with { Import = new ImportHint(GuestDefinition.Definition, "pve1/200") };

        var wire = WireValues.ToWire(d);

        Assert.StartsWith("VM 200 already exists on the node.", wire.Detail, StringComparison.Ordinal);
        Assert.Contains("terraform import vgpu_guest.<name> pve1/200", wire.Detail, StringComparison.Ordinal);
        Assert.Contains("import { to = vgpu_guest.<name>, id = \"pve1/200\" }", wire.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("pulumi", wire.Detail, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_diagnostic_without_a_hint_keeps_its_detail()
    {
        var wire = WireValues.ToWire(Diagnostic.Error("Unable to read the VM", "The node did not answer."));

        Assert.Equal("The node did not answer.", wire.Detail);
    }
}
