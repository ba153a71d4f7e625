using VgpuIac.Terraform.Schemas;

namespace VgpuIac.Terraform.Docs;

/// <summary>
/// The hidden <c>docs</c> subcommand behind <c>make docs</c>:
/// <c>terraform-provider-vgpu docs --out docs --examples examples/terraform</c>. Rewrites the generated pages.
/// </summary>
public static class DocsCommand
{
    public static async Task<int> RunAsync(TerraformCatalog catalog, string[] args, TextWriter stdout, TextWriter stderr)
    {
        var output = "docs";
        var examples = "examples/terraform";
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--out" when i + 1 < args.Length: output = args[++i]; break;
                case "--examples" when i + 1 < args.Length: examples = args[++i]; break;
                default:
                    await stderr.WriteLineAsync($"usage: terraform-provider-vgpu docs [--out DIR] [--examples DIR] (unexpected \"{args[i]}\")").ConfigureAwait(false);
                    return 2;
            }
        }

        var pages = DocsRenderer.Render(catalog, relative =>
        {
            var path = Path.Combine(examples, relative);
            return File.Exists(path) ? File.ReadAllText(path) : null;
        });
        foreach (var (relative, content) in pages)
        {
            var path = Path.Combine(output, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllTextAsync(path, content).ConfigureAwait(false);
            await stdout.WriteLineAsync($"wrote {path}").ConfigureAwait(false);
        }

        return 0;
    }
}
