using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using VgpuIac.Terraform.Protocol.GoPlugin;

namespace VgpuIac.Terraform.Hosting;

/// <summary>
/// go-plugin's controller: <c>Shutdown</c> answers, and the process ends as soon as the answer has been sent (no fixed
/// delay; <see cref="PluginHost"/> closes the SSH connections and ends the process, see <see cref="ProcessEnd"/>).
/// </summary>
public sealed class ControllerService(PluginShutdown shutdown) : GRPCController.GRPCControllerBase
{
    public override Task<Empty> Shutdown(Empty request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        StartupTrace.Mark("shutdown");
        if (context.GetHttpContext() is { } http)
        {
            if (http.Features.Get<IHttp2StreamIdFeature>() is { } stream)
            {
                shutdown.Expect(http.Connection.Id, stream.StreamId);
            }

            http.Response.OnCompleted(() =>
            {
                shutdown.Request();
                return Task.CompletedTask;
            });
        }
        else
        {
            shutdown.Request();
        }

        return Task.FromResult(new Empty());
    }
}
