namespace VgpuIac.Pulumi.Hosting;

/// <summary>
/// The plugin's command line: <c>[--logtostderr] [-v=N] [--tracing ENDPOINT] ENGINE_ADDRESS</c> as the Pulumi engine
/// starts it, or <c>schema</c> to print the package schema.
/// </summary>
public sealed record PluginArguments
{
    public string? EngineAddress { get; init; }

    public bool PrintSchema { get; init; }

    public static PluginArguments Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        string? address = null;
        for (var i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (a == "schema")
            {
                return new PluginArguments { PrintSchema = true };
            }

            if (a == "--tracing" || a == "-tracing")
            {
                i++;
                continue;
            }

            if (a.StartsWith('-'))
            {
                continue;
            }

            address ??= a;
        }

        return new PluginArguments { EngineAddress = address };
    }
}
