using VgpuIac.Terraform.Schemas;

namespace VgpuIac.Terraform.Docs;

/// <summary>The hidden <c>docs</c> subcommand: <c>terraform-provider-vgpu docs --out docs --examples examples/terraform</c>.</summary>
public static class DocsCommand
{
    public static Task<int> RunAsync(TerraformCatalog catalog, string[] args)
    {
        _ = catalog;
        _ = args;
        return Task.FromResult(0);
    }
}
