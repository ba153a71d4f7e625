using VgpuIac.Engine.Catalog;
using VgpuIac.Engine.Diagnostics;
using VgpuIac.Terraform.Docs;
using VgpuIac.Terraform.Hosting;
using VgpuIac.Terraform.Schemas;
using VgpuIac.Terraform.Service;

// Composition root: the engine's catalog and node configuration plugged into the Terraform door.
var catalog = new TerraformCatalog(EngineCatalog.Provider, EngineCatalog.Resources, EngineCatalog.DataSources);
if (args is ["docs", ..])
{
    return await DocsCommand.RunAsync(catalog, args[1..]);
}

var configurator = new ProviderConfigurator
{
    Connect = (_, _) => new NodeConnection(null, [Diagnostic.Error(
        "Unable to configure the provider",
        "Node configuration is not wired in this build yet.")]),
};
return await PluginHost.RunAsync(catalog, configurator, debug: args is ["-debug" or "--debug", ..]);
