using System.Xml.Linq;

namespace VgpuIac.Terraform.Tests.Hosting;

/// <summary>
/// <c>Hosting/PrecompiledGenerics.rd.xml</c> lists closed generic types of the web host for Native AOT to compile ahead of
/// time (start-up: each one missing is built by the type loader at run time). A name that no longer resolves (a package
/// update renamed or moved an internal type) is dropped by the AOT compiler without an error and the start-up silently
/// gets slower again, so every entry must name a type that exists in the assembly it is listed under, and none twice.
/// </summary>
public sealed class PrecompiledGenericsTests
{
    private static string RdXmlPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "provider", "VgpuIac.Terraform", "Hosting", "PrecompiledGenerics.rd.xml");
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new FileNotFoundException("provider/VgpuIac.Terraform/Hosting/PrecompiledGenerics.rd.xml not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void Every_listed_type_resolves_in_the_assembly_it_is_listed_under_and_none_is_listed_twice()
    {
        var doc = XDocument.Load(RdXmlPath());
        XNamespace ns = "http://schemas.microsoft.com/netfx/2013/01/metadata";
        var entries = doc.Descendants(ns + "Assembly")
            .SelectMany(a => a.Elements(ns + "Type").Select(t => (Assembly: (string)a.Attribute("Name")!, Name: (string)t.Attribute("Name")!)))
            .ToList();

        Assert.True(entries.Count > 100, $"only {entries.Count} entries read from the rd.xml file");
        Assert.Empty(entries.GroupBy(e => e.Name).Where(g => g.Count() > 1).Select(g => g.Key));

        // the provider's assembly (the generic arguments name it) and the web host's are loaded in this test process
        _ = typeof(VgpuIac.Terraform.Hosting.PluginHost).Assembly;
        var unresolved = entries
            .Where(e => Type.GetType($"{e.Name}, {e.Assembly}", throwOnError: false) is null)
            .Select(e => $"{e.Assembly}: {e.Name}")
            .ToList();
        Assert.True(unresolved.Count == 0, "types in PrecompiledGenerics.rd.xml that do not resolve:\n" + string.Join('\n', unresolved));
    }
}
