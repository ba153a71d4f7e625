using Microsoft.Extensions.Hosting;

namespace VgpuIac.Terraform.Hosting;

/// <summary>
/// Replaces ConsoleLifetime: the host does not stop on SIGINT (Terraform forwards Ctrl-C to the whole process
/// group and then calls StopProvider itself). Stopping happens through GRPCController.Shutdown.
/// </summary>
public sealed class PluginLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken)
    {
        StartupTrace.Mark("host starting");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
