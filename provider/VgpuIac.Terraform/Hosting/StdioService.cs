using Grpc.Core;
using Microsoft.Extensions.Hosting;
using VgpuIac.Terraform.Protocol.GoPlugin;

namespace VgpuIac.Terraform.Hosting;

/// <summary>go-plugin's stdio stream: kept open and silent (our logs go to stderr directly).</summary>
public sealed class StdioService(IHostApplicationLifetime lifetime) : GRPCStdio.GRPCStdioBase
{
    public override async Task StreamStdio(Google.Protobuf.WellKnownTypes.Empty request, IServerStreamWriter<StdioData> responseStream, ServerCallContext context)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The client went away or we are shutting down: end the stream quietly.
        }
    }
}
