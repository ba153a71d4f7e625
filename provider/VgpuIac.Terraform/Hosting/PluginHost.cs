using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Runtime.InteropServices;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using VgpuIac.Engine.Logging;
using VgpuIac.Terraform.Logging;
using VgpuIac.Terraform.Schemas;
using VgpuIac.Terraform.Service;

namespace VgpuIac.Terraform.Hosting;

/// <summary>
/// The go-plugin server: checks the magic cookie, serves gRPC over HTTP/2 on 127.0.0.1 (AutoMTLS with the
/// client certificate pinned, or h2c when Terraform disabled TLS), prints the handshake line and then keeps
/// stdout silent. Also the <c>-debug</c> mode that prints TF_REATTACH_PROVIDERS.
/// </summary>
public static class PluginHost
{
    public const string NotAPluginMessage =
        "This binary is a plugin. These are not meant to be executed directly.\n" +
        "Please execute the program that consumes these plugins (terraform or tofu), which will load any\n" +
        "plugins automatically. To debug the provider, run it with -debug.\n";

    private const int MaxMessageSize = 256 * 1024 * 1024;

    public static async Task<int> RunAsync(TerraformCatalog catalog, ProviderConfigurator configurator, bool debug, CancellationToken cancellationToken = default)
    {
        var stdout = Console.Out;
        var stderr = Console.Error;
        var environment = PluginEnvironment.Read(Environment.GetEnvironmentVariable);
        if (!debug && !environment.HasMagicCookie)
        {
            await stderr.WriteAsync(NotAPluginMessage).ConfigureAwait(false);
            return 1;
        }

        if (!environment.SupportsProtocol6)
        {
            await stderr.WriteAsync("terraform-provider-vgpu speaks plugin protocol 6 only; this Terraform does not offer it. Use Terraform 1.0 or later.\n").ConfigureAwait(false);
            return 1;
        }

        var log = new HclogLog(stderr, debug ? LogLevel.Debug : HclogLevel.FromEnvironment(Environment.GetEnvironmentVariable));
        var clientCertificate = debug ? null : environment.ClientCertificate;
        using var serverCertificate = clientCertificate is null ? null : ServerCertificate.Create(TimeProvider.System);
        await using var session = new ProviderSession();
        var app = Build(catalog, configurator, session, log, clientCertificate, serverCertificate);
        await using (app.ConfigureAwait(false))
        {
            using var ignoreInterrupt = debug ? null : PosixSignalRegistration.Create(PosixSignal.SIGINT, static c => c.Cancel = true);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            var endpoint = BoundEndpoint(app);
            if (debug)
            {
                await stdout.WriteAsync(ReattachConfig.Instructions(endpoint, Environment.ProcessId)).ConfigureAwait(false);
                await stdout.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await stdout.WriteAsync(HandshakeLine.Format(endpoint, serverCertificate is null ? null : ServerCertificate.ToHandshakeField(serverCertificate)) + "\n").ConfigureAwait(false);
                await stdout.FlushAsync(cancellationToken).ConfigureAwait(false);
                Console.SetOut(stderr);
            }

            if (serverCertificate is null)
            {
                log.Write(LogLevel.Warn, PlaintextWarning(debug), [KeyValuePair.Create<string, object?>("address", endpoint.ToString())]);
            }

            log.Write(LogLevel.Debug, "plugin server started", [
                KeyValuePair.Create<string, object?>("address", endpoint.ToString()),
                KeyValuePair.Create<string, object?>("tls", serverCertificate is not null),
                KeyValuePair.Create<string, object?>("tf_proto_version", "6")]);
            await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            log.Write(LogLevel.Debug, "plugin server stopping");
            using var stopBudget = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await app.StopAsync(stopBudget.Token).ConfigureAwait(false);
        }

        return 0;
    }

    private static WebApplication Build(
        TerraformCatalog catalog, ProviderConfigurator configurator, ProviderSession session, HclogLog log,
        X509Certificate2? clientCertificate, X509Certificate2? serverCertificate)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "terraform-provider-vgpu" });
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                if (serverCertificate is not null && clientCertificate is not null)
                {
                    var pinned = new PinnedClientCertificate(clientCertificate);
                    listen.UseHttps(new HttpsConnectionAdapterOptions
                    {
                        ServerCertificate = serverCertificate,
                        ClientCertificateMode = ClientCertificateMode.RequireCertificate,
                        CheckCertificateRevocation = false,
                        ClientCertificateValidation = (presented, _, _) => pinned.Accepts(presented),
                    });
                }
            });
        });
        builder.Services.AddSingleton<IHostLifetime, PluginLifetime>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(1));
        builder.Services.AddRoutingCore();
        builder.Services.AddGrpc(o =>
        {
            o.MaxReceiveMessageSize = MaxMessageSize;
            o.MaxSendMessageSize = MaxMessageSize;
        });
        builder.Services.AddSingleton(catalog);
        builder.Services.AddSingleton(configurator);
        builder.Services.AddSingleton(session);
        builder.Services.AddSingleton(log);
        builder.Services.AddSingleton(TimeProvider.System);

        // The services are singletons bound by their generated BindService, not found and bound by reflection.
        builder.Services.RemoveAll(typeof(IServiceMethodProvider<>));
        Bind<ProviderService>(builder.Services, Protocol.Provider.BindService);
        Bind<ControllerService>(builder.Services, Protocol.GoPlugin.GRPCController.BindService);
        Bind<StdioService>(builder.Services, Protocol.GoPlugin.GRPCStdio.BindService);
        Bind<HealthService>(builder.Services, Protocol.Health.Health.BindService);

        var app = builder.Build();
        app.MapGrpcService<ProviderService>();
        app.MapGrpcService<ControllerService>();
        app.MapGrpcService<StdioService>();
        app.MapGrpcService<HealthService>();
        return app;
    }

    private static void Bind<[DynamicallyAccessedMembers(DirectServiceMethods<object>.Annotation)] TService>(IServiceCollection services, Action<ServiceBinderBase, TService> bindService)
        where TService : class
    {
        services.AddSingleton<TService>();
        services.AddSingleton<IServiceMethodProvider<TService>>(p => new DirectServiceMethods<TService>(p.GetRequiredService<TService>(), bindService));
    }

    /// <summary>The warning printed when the transport is not encrypted (debug mode, or Terraform sent no client certificate).</summary>
    public static string PlaintextWarning(bool debug) => debug
        ? "serving plaintext gRPC (debug mode): any local process that connects to this port can drive the provider while it runs"
        : "serving plaintext gRPC: Terraform passed no client certificate (PLUGIN_CLIENT_CERT), so TLS is off and any local process that connects to this port can drive the provider; Terraform turns AutoMTLS off only when asked to (TF_DISABLE_PLUGIN_TLS)";

    private static IPEndPoint BoundEndpoint(WebApplication app)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var uri = new Uri(address);
        return new IPEndPoint(IPAddress.Loopback, uri.Port);
    }
}
