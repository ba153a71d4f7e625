using VgpuIac.Pulumi.Hosting;
using VgpuIac.Pulumi.Schema;

var arguments = PluginArguments.Parse(args);
if (arguments.PrintSchema)
{
    Console.Out.Write(PulumiSchema.Render());
    return 0;
}

return await PluginHost.RunAsync(arguments, Console.Out);
