using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Grpc.AspNetCore.Server.Model;
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
/// <remarks>
/// Start-up is two threads: this one binds the listening socket, makes the certificates (OpenSSL's load, ECDSA key, the
/// self-signed certificate) and prints the handshake line as soon as the port and the certificate are known; another builds
/// the catalog and the host (DI, Kestrel, gRPC endpoints). Kestrel then serves the socket that was already listening, so a
/// client that connects right after the handshake waits in the kernel's accept queue until Kestrel accepts; nothing is lost.
/// </remarks>
public static class PluginHost
{
    public const string NotAPluginMessage =
        "This binary is a plugin. These are not meant to be executed directly.\n" +
        "Please execute the program that consumes these plugins (terraform or tofu), which will load any\n" +
        "plugins automatically. To debug the provider, run it with -debug.\n";

    private const int MaxMessageSize = 256 * 1024 * 1024;
    private const int ListenBacklog = 512;

    /// <summary>How long, after Shutdown has been answered, the answer is given to arrive, and then the client to close its connection (go-plugin's does at once).</summary>
    private static readonly TimeSpan ClientCloseWait = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Serves until go-plugin's <c>Shutdown</c>, then ends the process (exit code 0, see <see cref="ProcessEnd"/>); returns only
    /// the exit code of a start that cannot serve (run by hand, no protocol 6).
    /// </summary>
    public static async Task<int> RunAsync(Func<TerraformCatalog> catalog, ProviderConfigurator configurator, bool debug, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var stdout = Console.Out;
        var stderr = Console.Error;
        var variables = PluginEnvironment.Read(Environment.GetEnvironmentVariable);
        if (!debug && !variables.HasMagicCookie)
        {
            await stderr.WriteAsync(NotAPluginMessage).ConfigureAwait(false);
            return 1;
        }

        if (!variables.SupportsProtocol6)
        {
            await stderr.WriteAsync("terraform-provider-vgpu speaks plugin protocol 6 only; this Terraform does not offer it. Use Terraform 1.0 or later.\n").ConfigureAwait(false);
            return 1;
        }

        var log = new HclogLog(stderr, debug ? LogLevel.Debug : HclogLevel.FromEnvironment(Environment.GetEnvironmentVariable));
        using var listener = Listen();
        var endpoint = (IPEndPoint)listener.LocalEndPoint!;
        StartupTrace.Mark("listening");
        await using var session = new ProviderSession();
        var shutdown = new PluginShutdown();
        var certificates = new TaskCompletionSource<TransportCertificates>(TaskCreationOptions.RunContinuationsAsynchronously);
        var building = Task.Factory.StartNew(
            () => Build(catalog(), configurator, session, shutdown, log, listener, certificates.Task),
            cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        TransportCertificates transport;
        try
        {
            transport = TransportCertificates.Create(debug ? null : variables.ClientCertificatePem);
            certificates.SetResult(transport);
        }
        catch (Exception e)
        {
            certificates.SetException(e);
            throw;
        }

        using (transport)
        {
            StartupTrace.Mark("certificates");
            if (!debug)
            {
                await stdout.WriteAsync(HandshakeLine.Format(endpoint, transport.Server is null ? null : ServerCertificate.ToHandshakeField(transport.Server)) + "\n").ConfigureAwait(false);
                await stdout.FlushAsync(cancellationToken).ConfigureAwait(false);
                Console.SetOut(stderr);
                StartupTrace.Mark("handshake");
            }

            var app = await building.ConfigureAwait(false);
            await using (app.ConfigureAwait(false))
            {
                using var ignoreInterrupt = debug ? null : PosixSignalRegistration.Create(PosixSignal.SIGINT, static c => c.Cancel = true);
                await app.StartAsync(cancellationToken).ConfigureAwait(false);
                StartupTrace.Mark("started");
                if (debug)
                {
                    await stdout.WriteAsync(ReattachConfig.Instructions(endpoint, Environment.ProcessId)).ConfigureAwait(false);
                    await stdout.FlushAsync(cancellationToken).ConfigureAwait(false);
                }

                if (transport.Server is null)
                {
                    log.Write(LogLevel.Warn, PlaintextWarning(debug), [KeyValuePair.Create<string, object?>("address", endpoint.ToString())]);
                }

                log.Write(LogLevel.Debug, "plugin server started", [
                    KeyValuePair.Create<string, object?>("address", endpoint.ToString()),
                    KeyValuePair.Create<string, object?>("tls", transport.Server is not null),
                    KeyValuePair.Create<string, object?>("tf_proto_version", "6")]);
                await shutdown.Requested.WaitAsync(cancellationToken).ConfigureAwait(false);
                StartupTrace.Mark("stopping");
                log.Write(LogLevel.Debug, "plugin server stopping");
                ProcessTeardown.Detach();

                // Like a Go plugin's os.Exit after Shutdown, without the host's and the runtime's teardown: the SSH
                // connections are closed (each node is told so: SSH disconnect) while the answer reaches the client (its
                // kernel acknowledged every byte of it, or the client closed its connection, which it does once the answer
                // has arrived: PluginShutdown); a client that keeps its connection without the answer being seen to arrive
                // gets Kestrel's graceful stop (GOAWAY) instead. Then the process ends (ProcessEnd: stdout and stderr
                // flushed, exit code 0).
                var closingNodes = session.DisposeAsync().AsTask();
                var clientGone = shutdown.ClientConnectionsClosedAsync();
                var delivered = shutdown.AnswerDelivered(ClientCloseWait);
                StartupTrace.Mark(delivered ? "answer acknowledged" : "answer not seen arriving");
                if (!delivered
                    && await Task.WhenAny(clientGone, Task.Delay(ClientCloseWait, TimeProvider.System, cancellationToken)).ConfigureAwait(false) != clientGone)
                {
                    using var stopBudget = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                    await app.StopAsync(stopBudget.Token).ConfigureAwait(false);
                }

                StartupTrace.Mark("stopped");
                await closingNodes.ConfigureAwait(false);
                StartupTrace.Mark("nodes closed");
                ProcessEnd.Now(0);
            }
        }

        throw new UnreachableException("the plugin process ends in ProcessEnd after Shutdown");
    }

    /// <summary>A TCP socket listening on 127.0.0.1 at a free port; Kestrel serves it (<c>ListenHandle</c>) once the host is built.</summary>
    private static Socket Listen()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            socket.Listen(ListenBacklog);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static WebApplication Build(
        TerraformCatalog catalog, ProviderConfigurator configurator, ProviderSession session, PluginShutdown shutdown, HclogLog log,
        Socket listener, Task<TransportCertificates> certificates)
    {
        StartupTrace.Mark("catalog");
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "terraform-provider-vgpu" });
        StartupTrace.Mark("builder");
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.ListenHandle((ulong)listener.Handle, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                listen.Use(shutdown.Track);

                // Kestrel reads its options when it starts, after the handshake line: the certificates are made by then.
                StartupTrace.Mark("kestrel options");
                var transport = certificates.GetAwaiter().GetResult();
                if (transport is { Server: { } serverCertificate, Pinned: { } pinned })
                {
                    listen.UseHttps(new HttpsConnectionAdapterOptions
                    {
                        ServerCertificate = serverCertificate,
                        ClientCertificateMode = ClientCertificateMode.RequireCertificate,
                        CheckCertificateRevocation = false,
                        ClientCertificateValidation = (presented, _, _) =>
                        {
                            StartupTrace.Mark("client certificate");
                            return pinned.Accepts(presented);
                        },
                    });
                    StartupTrace.Mark("https options");
                }

                listen.Use(shutdown.Watch);
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
        builder.Services.AddSingleton(shutdown);
        builder.Services.AddSingleton(log);
        builder.Services.AddSingleton(TimeProvider.System);

        // One service type for all four gRPC services, its methods added with their concrete types (see PluginServices).
        builder.Services.RemoveAll(typeof(IServiceMethodProvider<>));
        builder.Services.AddSingleton<ProviderService>();
        builder.Services.AddSingleton<ControllerService>();
        builder.Services.AddSingleton<StdioService>();
        builder.Services.AddSingleton<HealthService>();
        builder.Services.AddSingleton<PluginServices>();
        builder.Services.AddSingleton<IServiceMethodProvider<PluginServices>, PluginMethods>();
        StartupTrace.Mark("services");

        var app = builder.Build();
        StartupTrace.Mark("built");
        app.MapGrpcService<PluginServices>();
        StartupTrace.Mark("mapped");
        return app;
    }

    /// <summary>The warning printed when the transport is not encrypted (debug mode, or Terraform sent no client certificate).</summary>
    public static string PlaintextWarning(bool debug) => debug
        ? "serving plaintext gRPC (debug mode): any local process that connects to this port can drive the provider while it runs"
        : "serving plaintext gRPC: Terraform passed no client certificate (PLUGIN_CLIENT_CERT), so TLS is off and any local process that connects to this port can drive the provider; Terraform turns AutoMTLS off only when asked to (TF_DISABLE_PLUGIN_TLS)";
}
