using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using VgpuIac.Terraform.Protocol.GoPlugin;

namespace VgpuIac.Terraform.Hosting;

/// <summary>go-plugin's controller: <c>Shutdown</c> answers, and the host stops as soon as the answer has been sent (no fixed delay).</summary>
public sealed class ControllerService(IHostApplicationLifetime lifetime) : GRPCController.GRPCControllerBase
{
    public override Task<Empty> Shutdown(Empty request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        StartupTrace.Mark("shutdown");
        if (context.GetHttpContext() is { } http)
        {
            http.Response.OnCompleted(() =>
            {
                lifetime.StopApplication();
                return Task.CompletedTask;
            });
        }
        else
        {
            lifetime.StopApplication();
        }

        return Task.FromResult(new Empty());
    }
}
