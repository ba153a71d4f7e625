using Grpc.Core;
using Microsoft.Extensions.Hosting;
using VgpuIac.Terraform.Protocol.Health;

namespace VgpuIac.Terraform.Hosting;

/// <summary>The gRPC health service go-plugin expects: "plugin" (and the server as a whole) are SERVING.</summary>
public sealed class HealthService(IHostApplicationLifetime lifetime) : Health.HealthBase
{
    public override Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context)
    {
        StartupTrace.Mark("health check");
        return Task.FromResult(new HealthCheckResponse { Status = StatusOf(request.Service) });
    }

    public override async Task Watch(HealthCheckRequest request, IServerStreamWriter<HealthCheckResponse> responseStream, ServerCallContext context)
    {
        await responseStream.WriteAsync(new HealthCheckResponse { Status = StatusOf(request.Service) }).ConfigureAwait(false);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stream ends with the call or the process.
        }
    }

    private static HealthCheckResponse.Types.ServingStatus StatusOf(string service) =>
        service is "" or "plugin" ? HealthCheckResponse.Types.ServingStatus.Serving : HealthCheckResponse.Types.ServingStatus.ServiceUnknown;
}
