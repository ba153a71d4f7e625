using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Grpc.AspNetCore.Server.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using VgpuIac.Pulumi.Logging;
using VgpuIac.Pulumi.Provider;

namespace VgpuIac.Pulumi.Hosting;

/// <summary>
/// Serves <c>pulumirpc.ResourceProvider</c> over cleartext HTTP/2 on 127.0.0.1 (a free port), writes only
/// <c>&lt;port&gt;\n</c> to stdout once its socket listens, and runs until Cancel, SIGINT or SIGTERM. The host is built after
/// the port line and Kestrel then serves the socket that was already listening (<c>ListenHandle</c>): an engine that connects
/// at once waits in the kernel's accept queue, nothing is lost, and the engine's own work overlaps the host's construction.
/// Built on <see cref="WebApplication.CreateEmptyBuilder"/> (no content-root watching, no logging providers,
/// so nothing else reaches stdout).
/// </summary>
public static class PluginHost
{
    private const int MaxMessageBytes = 400 * 1024 * 1024;
    private const string CancelPath = "/pulumirpc.ResourceProvider/Cancel";
    private const int ListenBacklog = 512;

    public static async Task<int> RunAsync(PluginArguments arguments, TextWriter stdout)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(ListenBacklog);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        await stdout.WriteAsync(port.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n").ConfigureAwait(false);
        await stdout.FlushAsync().ConfigureAwait(false);

        await using var sink = new EngineLogSink(arguments.EngineAddress);
        await using var runtime = new ProviderRuntime(sink);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.ListenHandle((ulong)listener.Handle, o => o.Protocols = HttpProtocols.Http2);
        });
        builder.Services.AddRoutingCore();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(3));
        builder.Services.AddGrpc(o =>
        {
            o.MaxReceiveMessageSize = MaxMessageBytes;
            o.MaxSendMessageSize = MaxMessageBytes;
            o.EnableDetailedErrors = true;
        });
        builder.Services.AddSingleton(runtime);
        builder.Services.AddSingleton(ProviderCatalog.Engine);
        builder.Services.AddSingleton<VgpuResourceProvider>();

        // The RPCs listed with their concrete types, not found and bound by reflection (see ResourceProviderMethods).
        builder.Services.RemoveAll(typeof(IServiceMethodProvider<>));
        builder.Services.AddSingleton<IServiceMethodProvider<VgpuResourceProvider>, ResourceProviderMethods>();

        await using var app = builder.Build();
        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();

        // Answer Cancel first, then stop: the engine treats an exit before the reply as a crash. The host stops as soon as
        // the reply has been sent (no fixed delay).
        app.Use((http, next) =>
        {
            if (http.Request.Path == CancelPath)
            {
                http.Response.OnCompleted(() =>
                {
                    if (runtime.Cancelled.IsCancellationRequested)
                    {
                        lifetime.StopApplication();
                    }

                    return Task.CompletedTask;
                });
            }

            return next(http);
        });
        app.UseRouting();
        app.MapGrpcService<VgpuResourceProvider>();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c =>
        {
            c.Cancel = true;
            runtime.Cancel();
            lifetime.StopApplication();
        });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            runtime.Cancel();
            lifetime.StopApplication();
        });

        await app.StartAsync().ConfigureAwait(false);
        sink.Debug($"pulumi-resource-vgpu listening on 127.0.0.1:{port}, engine {arguments.EngineAddress ?? "(none)"}");

        await app.WaitForShutdownAsync().ConfigureAwait(false);
        return 0;
    }
}
