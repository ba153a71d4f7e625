using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using VgpuIac.Engine.Catalog;
using VgpuIac.Engine.Resources;
using VgpuIac.Engine.Schema;
using VgpuIac.Engine.Values;
using VgpuIac.Pulumi.Component;
using VgpuIac.Pulumi.Model;
using VgpuIac.Pulumi.Provider;

namespace VgpuIac.Pulumi.Schema;

/// <summary>
/// Renders Pulumi's package schema (<c>schema.json</c>) from the neutral definitions: provider config, one
/// resource per engine resource, one function per data source, and the <c>VgpuNode</c> component.
/// Written with <see cref="Utf8JsonWriter"/> (no reflection), keys in a stable order so the output is golden-testable.
/// </summary>
public static class PulumiSchema
{
    public static string Version { get; } = typeof(PulumiSchema).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion is { } v
        ? v.Split('+')[0]
        : "0.1.0";

    /// <summary>
    /// Where a release's plugin archives live. The CLI fills in <c>${VERSION}</c> and appends
    /// <c>/pulumi-resource-vgpu-v&lt;version&gt;-&lt;os&gt;-&lt;arch&gt;.tar.gz</c>; <c>scripts/release.sh</c> builds those archives.
    /// </summary>
    public const string PluginDownloadUrl = "https://github.com/vgpuiac/vgpuiac/releases/download/v${VERSION}";

    public static string Render() => Render(EngineCatalog.Provider, EngineCatalog.Resources, EngineCatalog.DataSources);

    public static string Render(ResourceDefinition provider, IEnumerable<IResource> resources, IEnumerable<IDataSource> dataSources)
    {
        var resourceList = resources.ToList();
        var dataSourceList = dataSources.ToList();
        var types = new SortedDictionary<string, PulumiObject>(StringComparer.Ordinal);
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("name", PulumiDefinition.Package);
            w.WriteString("version", Version);
            w.WriteString("displayName", "Proxmox vGPU");
            w.WriteString("description", "NVIDIA vGPU on Proxmox VE as code: host driver, vgpu_unlock, profile overrides, a licence server and vGPU guests, managed over SSH.");
            w.WriteStartArray("keywords");
            foreach (var k in new[] { "pulumi", "vgpu", "proxmox", "nvidia", "category/infrastructure", "kind/native" })
            {
                w.WriteStringValue(k);
            }

            w.WriteEndArray();
            w.WriteString("publisher", "VgpuIac");
            w.WriteString("license", "Apache-2.0");
            w.WriteString("pluginDownloadURL", PluginDownloadUrl);

            var providerModel = PulumiDefinition.For(provider);
            w.WriteStartObject("config");
            w.WriteStartObject("variables");
            foreach (var p in providerModel.Inputs)
            {
                w.WritePropertyName(p.CamelName);
                WriteProperty(w, p, types, "Config");
            }

            w.WriteEndObject();
            w.WriteEndObject();

            w.WriteStartObject("provider");
            w.WriteString("description", PulumiWording.Neutral(provider.Description));
            WriteProperties(w, "inputProperties", providerModel.Inputs, types, "Provider");
            w.WriteEndObject();

            w.WriteStartObject("resources");
            foreach (var resource in resourceList.Select(r => PulumiDefinition.For(r.Definition)).OrderBy(r => r.Token, StringComparer.Ordinal))
            {
                w.WriteStartObject(resource.Token);
                w.WriteString("description", PulumiWording.Neutral(Describe(resource.Definition)));
                WriteProperties(w, "inputProperties", resource.Inputs, types, CSharpNames.ClassOf(resource.Token));
                WriteNames(w, "requiredInputs", resource.Inputs.Where(p => p.IsRequired));
                WriteProperties(w, "properties", resource.Shape.Properties, types, CSharpNames.ClassOf(resource.Token));
                WriteNames(w, "required", resource.Shape.Properties.Where(AlwaysInOutputs));
                w.WriteEndObject();
            }

            var component = VgpuNodeShape.From(resourceList, dataSourceList);
            w.WriteStartObject(VgpuNodeShape.Token);
            w.WriteString("description",
                "A Proxmox VE node prepared for vGPU in one declaration: registers the host driver, vgpu_unlock, profile overrides, an optional " +
                "licence server and the vGPU guests as child resources (names `<name>-driver`, `<name>-guest-<vmid>`, ...), in dependency order. " +
                "The component itself never touches the node; its children do.");
            w.WriteBoolean("isComponent", true);
            WriteProperties(w, "inputProperties", component.Inputs.Properties, types, CSharpNames.ClassOf(VgpuNodeShape.Token));
            WriteProperties(w, "properties", component.Outputs.Properties, types, CSharpNames.ClassOf(VgpuNodeShape.Token));
            w.WriteEndObject();
            w.WriteEndObject();

            w.WriteStartObject("functions");
            foreach (var function in dataSourceList.Select(d => PulumiDefinition.For(d.Definition)).OrderBy(f => f.Token, StringComparer.Ordinal))
            {
                w.WriteStartObject(function.Token);
                w.WriteString("description", PulumiWording.Neutral(Describe(function.Definition)));
                w.WriteStartObject("inputs");
                WriteProperties(w, "properties", function.Inputs, types, CSharpNames.ClassOf(function.Token));
                WriteNames(w, "required", function.Inputs.Where(p => p.IsRequired));
                w.WriteEndObject();
                w.WriteStartObject("outputs");
                WriteProperties(w, "properties", function.Shape.Properties, types, CSharpNames.ClassOf(function.Token));
                WriteNames(w, "required", function.Shape.Properties.Where(AlwaysInOutputs));
                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndObject();

            // Types are collected while writing the properties above; nested types may add more while writing.
            w.WriteStartObject("types");
            var written = new HashSet<string>(StringComparer.Ordinal);
            while (types.Keys.FirstOrDefault(k => !written.Contains(k)) is { } token)
            {
                written.Add(token);
                var type = types[token];
                w.WriteStartObject(token);
                w.WriteString("type", "object");
                WriteProperties(w, "properties", type.Properties, types, CSharpNames.ClassOf(token));
                WriteNames(w, "required", type.Properties.Where(p => p.IsRequired));
                w.WriteEndObject();
            }

            w.WriteEndObject();

            w.WriteStartObject("language");
            w.WriteStartObject("csharp");
            w.WriteString("rootNamespace", "Pulumi");
            w.WriteStartObject("namespaces");
            w.WriteString(PulumiDefinition.Package, "Vgpu");
            w.WriteEndObject();
            w.WriteStartObject("packageReferences");
            w.WriteString("Pulumi", "3.*");
            w.WriteEndObject();
            w.WriteBoolean("respectSchemaVersion", true);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static bool AlwaysInOutputs(PulumiProperty p) => p.IsRequired || p.Default is { IsNull: false };

    private static string Describe(ResourceDefinition definition) =>
        definition.ImportIdFormat is { } format && definition.Kind == ObjectKind.Resource
            ? $"{definition.Description}\n\n## Import\n\n```sh\npulumi import {PulumiDefinition.TokenOf(definition.PulumiName)} <name> '{format}'\n```"
            : definition.Description;

    /// <summary>Properties of the C# class <paramref name="owner"/> (for the codegen's naming rules).</summary>
    private static void WriteProperties(Utf8JsonWriter w, string name, IEnumerable<PulumiProperty> properties, SortedDictionary<string, PulumiObject> types, string owner)
    {
        w.WriteStartObject(name);
        foreach (var p in properties.OrderBy(p => p.CamelName, StringComparer.Ordinal))
        {
            w.WritePropertyName(p.CamelName);
            WriteProperty(w, p, types, owner);
        }

        w.WriteEndObject();
    }

    private static void WriteNames(Utf8JsonWriter w, string name, IEnumerable<PulumiProperty> properties)
    {
        var names = properties.Select(p => p.CamelName).Order(StringComparer.Ordinal).ToList();
        if (names.Count == 0)
        {
            return;
        }

        w.WriteStartArray(name);
        foreach (var n in names)
        {
            w.WriteStringValue(n);
        }

        w.WriteEndArray();
    }

    private static void WriteProperty(Utf8JsonWriter w, PulumiProperty p, SortedDictionary<string, PulumiObject> types, string owner)
    {
        w.WriteStartObject();
        WriteTypeFields(w, p.Type, types);
        if (p.Description.Length > 0)
        {
            w.WriteString("description", PulumiWording.Neutral(p.Description));
        }

        if (p.Default is { } d && p.Type is PulumiPrimitive)
        {
            switch (d.Kind)
            {
                case ValueKind.String: w.WriteString("default", d.AsString()); break;
                case ValueKind.Number: w.WriteNumber("default", d.AsNumber()); break;
                case ValueKind.Bool: w.WriteBoolean("default", d.AsBool()); break;
            }
        }

        if (p.Secret)
        {
            w.WriteBoolean("secret", true);
        }

        if (p.ForcesReplacement)
        {
            w.WriteBoolean("replaceOnChanges", true);
        }

        if (p.Deprecation is { } deprecation)
        {
            w.WriteString("deprecationMessage", PulumiWording.Neutral(deprecation));
        }

        if (CSharpNames.OverrideFor(owner, p.CamelName) is { } csharpName)
        {
            w.WriteStartObject("language");
            w.WriteStartObject("csharp");
            w.WriteString("name", csharpName);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    private static void WriteTypeFields(Utf8JsonWriter w, PulumiType type, SortedDictionary<string, PulumiObject> types)
    {
        switch (type)
        {
            case PulumiPrimitive p:
                w.WriteString("type", p.Kind switch
                {
                    PrimitiveKind.String => "string",
                    PrimitiveKind.Number => p.WholeNumber ? "integer" : "number",
                    _ => "boolean",
                });
                break;
            case PulumiDynamic:
                w.WriteString("$ref", "pulumi.json#/Any");
                break;
            case PulumiArray a:
                w.WriteString("type", "array");
                w.WriteStartObject("items");
                WriteTypeFields(w, a.Element, types);
                w.WriteEndObject();
                break;
            case PulumiMap m:
                w.WriteString("type", "object");
                w.WriteStartObject("additionalProperties");
                WriteTypeFields(w, m.Element, types);
                w.WriteEndObject();
                break;
            case PulumiObject o:
                if (types.TryGetValue(o.TypeName, out var existing) && !existing.Equals(o))
                {
                    throw new InvalidOperationException($"two different object types are named {o.TypeName}");
                }

                types[o.TypeName] = o;
                w.WriteString("$ref", "#/types/" + o.TypeName);
                break;
        }
    }

    /// <summary>Invariant number text (used by tests and docs).</summary>
    internal static string Number(decimal d) => d.ToString(CultureInfo.InvariantCulture);
}
