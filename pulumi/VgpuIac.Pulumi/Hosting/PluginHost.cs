using System.Net;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using VgpuIac.Pulumi.Logging;
using VgpuIac.Pulumi.Provider;

namespace VgpuIac.Pulumi.Hosting;

/// <summary>
/// Serves <c>pulumirpc.ResourceProvider</c> over cleartext HTTP/2 on 127.0.0.1 (a free port), writes only
/// <c>&lt;port&gt;\n</c> to stdout once it accepts connections, and runs until Cancel, SIGINT or SIGTERM.
/// Built on <see cref="WebApplication.CreateEmptyBuilder"/> (no content-root watching, no logging providers,
/// so nothing else reaches stdout).
/// </summary>
public static class PluginHost
{
    private const int MaxMessageBytes = 400 * 1024 * 1024;
    private const string CancelPath = "/pulumirpc.ResourceProvider/Cancel";

    public static async Task<int> RunAsync(PluginArguments arguments, TextWriter stdout)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        await using var sink = new EngineLogSink(arguments.EngineAddress);
        await using var runtime = new ProviderRuntime(sink);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2);
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
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(address).Port;
        await stdout.WriteAsync(port.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n").ConfigureAwait(false);
        await stdout.FlushAsync().ConfigureAwait(false);
        sink.Debug($"pulumi-resource-vgpu listening on 127.0.0.1:{port}, engine {arguments.EngineAddress ?? "(none)"}");

        await app.WaitForShutdownAsync().ConfigureAwait(false);
        return 0;
    }
}
