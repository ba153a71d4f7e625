using Grpc.Core;
using Microsoft.Extensions.Hosting;
using VgpuIac.Terraform.Protocol.GoPlugin;

namespace VgpuIac.Terraform.Hosting;

/// <summary>go-plugin's controller: <c>Shutdown</c> answers, then stops the host so the process exits at once.</summary>
public sealed class ControllerService(IHostApplicationLifetime lifetime) : GRPCController.GRPCControllerBase
{
    public override Task<Empty> Shutdown(Empty request, ServerCallContext context)
    {
        _ = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20)).ConfigureAwait(false);
            lifetime.StopApplication();
        });
        return Task.FromResult(new Empty());
    }
}
