using VgpuIac.Engine.Catalog;
using VgpuIac.Engine.Nodes;
using VgpuIac.Engine.Ssh;
using VgpuIac.Terraform.Docs;
using VgpuIac.Terraform.Hosting;
using VgpuIac.Terraform.Schemas;
using VgpuIac.Terraform.Service;

// Composition root: the engine's catalog and its SSH node configuration plugged into the Terraform door.
StartupTrace.Begin();
SystemTrustStore.Detach();
static TerraformCatalog Catalog() => new(EngineCatalog.Provider, EngineCatalog.Resources, EngineCatalog.DataSources);
if (args is ["docs", ..])
{
    return await DocsCommand.RunAsync(Catalog(), args[1..], Console.Out, Console.Error);
}

var configurator = new ProviderConfigurator
{
    Validate = config => ProviderConfiguration.Validate(config, Environment.GetEnvironmentVariable),
    Connect = (config, log) =>
    {
        var (settings, diagnostics) = ProviderConfiguration.Parse(config, Environment.GetEnvironmentVariable);
        return new NodeConnection(settings is null ? null : new SshNodeResolver(settings, log), diagnostics);
    },
};

// The catalog is built on the host's thread, beside the certificates and the handshake line (PluginHost).
// Serves until go-plugin's Shutdown and ends the process there, like a Go plugin (PluginHost, ProcessEnd).
return await PluginHost.RunAsync(Catalog, configurator, debug: args is ["-debug" or "--debug", ..]);
