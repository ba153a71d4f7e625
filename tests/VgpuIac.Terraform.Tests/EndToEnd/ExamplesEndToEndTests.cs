using VgpuIac.Engine.Catalog;
using VgpuIac.Terraform.Docs;
using VgpuIac.Terraform.Schemas;

namespace VgpuIac.Terraform.Tests.EndToEnd;

/// <summary>
/// The examples the docs are generated from, and the quickstart the README points at, are real configurations: the
/// real terraform CLI formats and validates them against this provider (every value goes through the provider's
/// validation), and every resource and data source has one. Examples that rot show up here, not in a user's editor.
/// </summary>
[Trait("Category", "E2E")]
public sealed class ExamplesEndToEndTests : IDisposable
{
    private readonly TerraformCli _tf = new();

    private static string Examples { get; } = FindExamples();

    [Fact]
    public void Every_resource_and_data_source_has_an_example_and_an_import_example()
    {
        foreach (var resource in EngineCatalog.Resources)
        {
            var folder = Path.Combine(Examples, "resources", "vgpu_" + resource.Definition.Name);
            Assert.True(File.Exists(Path.Combine(folder, "resource.tf")), $"no example for vgpu_{resource.Definition.Name} in {folder}");
            Assert.True(File.Exists(Path.Combine(folder, "import.sh")), $"no import example for vgpu_{resource.Definition.Name} in {folder}");
            Assert.Contains($"resource \"vgpu_{resource.Definition.Name}\"", File.ReadAllText(Path.Combine(folder, "resource.tf")), StringComparison.Ordinal);
        }

        foreach (var dataSource in EngineCatalog.DataSources)
        {
            var file = Path.Combine(Examples, "data-sources", "vgpu_" + dataSource.Definition.Name, "data-source.tf");
            Assert.True(File.Exists(file), $"no example for data source vgpu_{dataSource.Definition.Name}: {file}");
        }
    }

    [Fact]
    public async Task The_provider_resource_and_data_source_examples_together_are_a_valid_formatted_configuration()
    {
        Assert.True(TerraformCli.Available, "terraform must be on PATH for the end-to-end tests");
        File.Copy(Path.Combine(Examples, "provider", "provider.tf"), Path.Combine(_tf.WorkDir, "provider.tf"));
        foreach (var file in Directory.GetFiles(Path.Combine(Examples, "resources"), "resource.tf", SearchOption.AllDirectories)
                     .Concat(Directory.GetFiles(Path.Combine(Examples, "data-sources"), "data-source.tf", SearchOption.AllDirectories)))
        {
            // "example-" prefix: a file whose name ends in _override.tf would be an override file to terraform
            var name = "example-" + Path.GetFileName(Path.GetDirectoryName(file)!) + "-" + Path.GetFileName(file);
            File.Copy(file, Path.Combine(_tf.WorkDir, name));
        }

        var (fmtCode, fmt) = await _tf.RunAsync("fmt", "-check", "-diff");
        Assert.True(fmtCode == 0, $"examples are not formatted as `terraform fmt` writes them:\n{fmt}");

        var (code, output) = await _tf.RunAsync("validate");
        Assert.True(code == 0, $"the examples do not validate:\n{output}");
        Assert.Contains("The configuration is valid", output, StringComparison.Ordinal);
        // the examples follow the provider's own advice: no warning of ours (terraform's dev_overrides one aside)
        var warnings = output.Split('\n').Where(l => l.StartsWith("Warning: ", StringComparison.Ordinal) && !l.Contains("development overrides", StringComparison.Ordinal)).ToList();
        Assert.True(warnings.Count == 0, $"the examples draw warnings:\n{output}");
    }

    [Fact]
    public async Task The_quickstart_is_a_valid_formatted_configuration_without_warnings()
    {
        Assert.True(TerraformCli.Available, "terraform must be on PATH for the end-to-end tests");
        foreach (var file in Directory.GetFiles(Path.Combine(Examples, "quickstart"), "*.tf"))
        {
            File.Copy(file, Path.Combine(_tf.WorkDir, Path.GetFileName(file)));
        }

        var (fmtCode, fmt) = await _tf.RunAsync("fmt", "-check", "-diff");
        Assert.True(fmtCode == 0, $"the quickstart is not formatted as `terraform fmt` writes it:\n{fmt}");
        var (code, output) = await _tf.RunAsync("validate");
        Assert.True(code == 0, $"the quickstart does not validate:\n{output}");
        var warnings = output.Split('\n').Where(l => l.StartsWith("Warning: ", StringComparison.Ordinal) && !l.Contains("development overrides", StringComparison.Ordinal)).ToList();
        Assert.True(warnings.Count == 0, $"the quickstart draws warnings:\n{output}");
    }

    [Fact]
    public void The_committed_docs_are_what_make_docs_generates_from_the_schema_and_these_examples()
    {
        var catalog = new TerraformCatalog(EngineCatalog.Provider, EngineCatalog.Resources, EngineCatalog.DataSources);
        var pages = DocsRenderer.Render(catalog, relative =>
        {
            var path = Path.Combine(Examples, relative);
            return File.Exists(path) ? File.ReadAllText(path) : null;
        });
        var docs = Path.Combine(Examples, "..", "..", "docs");
        Assert.NotEmpty(pages);
        foreach (var (relative, content) in pages)
        {
            var committed = Path.Combine(docs, relative);
            Assert.True(File.Exists(committed), $"docs/{relative} is missing: run `make docs`");
            Assert.True(File.ReadAllText(committed) == content, $"docs/{relative} is out of date with the schema or examples/: run `make docs` and commit it");
        }
    }

    public void Dispose() => _tf.Dispose();

    private static string FindExamples()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "VgpuIac.sln")))
            {
                return Path.Combine(dir.FullName, "examples", "terraform");
            }
        }

        throw new InvalidOperationException("repository root (VgpuIac.sln) not found above " + AppContext.BaseDirectory);
    }
}
