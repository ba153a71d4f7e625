using System.Collections.Immutable;
using Google.Protobuf;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using VgpuIac.Hosting;
using VgpuIac.Terraform.Protocol;
using VgpuIac.Terraform.Protocol.GoPlugin;
using VgpuIac.Terraform.Protocol.Health;
using VgpuIac.Terraform.Service;

namespace VgpuIac.Terraform.Hosting;

/// <summary>
/// Every gRPC service the plugin serves (tfplugin6.Provider, go-plugin's controller and stdio, grpc.health.v1), mapped to
/// Grpc.AspNetCore as ONE service type whose methods are listed in <see cref="PluginMethods"/>.
/// </summary>
/// <remarks>
/// Start-up under Native AOT: the generated <c>BindService(ServiceBinderBase, impl)</c> calls the generic virtual method
/// <c>ServiceBinderBase.AddMethod&lt;TRequest, TResponse&gt;</c> once per RPC, and each first call of a generic virtual method
/// builds its target at run time in the AOT type loader; each service type mapped also makes the DI container construct
/// Grpc.AspNetCore's open generic types (route builder, call handler factory, activator, loggers) at run time. Measured
/// (perf, `bench/goplugin/trace.sh`), that was the largest share of the provider's start-up CPU. Here every method is added
/// with its concrete types known to the compiler (precompiled, no type loading) and the four services are one service type.
/// </remarks>
public sealed class PluginServices(ProviderService provider, ControllerService controller, StdioService stdio, HealthService health)
{
    public ProviderService Provider { get; } = provider;

    public ControllerService Controller { get; } = controller;

    public StdioService Stdio { get; } = stdio;

    public HealthService Health { get; } = health;
}

/// <summary>One RPC of <see cref="PluginServices"/>: its wire name and message types, and how it is added to Grpc.AspNetCore.</summary>
public abstract class PluginMethod
{
    private protected static readonly IList<object> NoMetadata = Array.Empty<object>();

    private protected PluginMethod(MethodType type, string serviceName, string name)
    {
        Type = type;
        ServiceName = serviceName;
        Name = name;
    }

    public MethodType Type { get; }

    public string ServiceName { get; }

    public string Name { get; }

    /// <summary>The HTTP/2 path, as <see cref="Method{TRequest, TResponse}.FullName"/>: <c>/service/method</c>.</summary>
    public string FullName => "/" + ServiceName + "/" + Name;

    public abstract Type RequestType { get; }

    public abstract Type ResponseType { get; }

    internal abstract void AddTo(ServiceMethodProviderContext<PluginServices> context, PluginServices services);
}

/// <summary>The methods, and the <see cref="IServiceMethodProvider{TService}"/> that adds them (a test checks the list against the generated code).</summary>
public sealed class PluginMethods(PluginServices services) : IServiceMethodProvider<PluginServices>
{
    public const string TerraformProvider = "tfplugin6.Provider";
    public const string Controller = "plugin.GRPCController";
    public const string Stdio = "plugin.GRPCStdio";
    public const string Health = "grpc.health.v1.Health";

    public static ImmutableArray<PluginMethod> All { get; } =
    [
        Unary<GetMetadata.Types.Request, GetMetadata.Types.Response>(TerraformProvider, "GetMetadata", static s => s.Provider.GetMetadata),
        Unary<GetProviderSchema.Types.Request, GetProviderSchema.Types.Response>(TerraformProvider, "GetProviderSchema", static s => s.Provider.GetProviderSchema),
        Unary<ValidateProviderConfig.Types.Request, ValidateProviderConfig.Types.Response>(TerraformProvider, "ValidateProviderConfig", static s => s.Provider.ValidateProviderConfig),
        Unary<ValidateResourceConfig.Types.Request, ValidateResourceConfig.Types.Response>(TerraformProvider, "ValidateResourceConfig", static s => s.Provider.ValidateResourceConfig),
        Unary<ValidateDataResourceConfig.Types.Request, ValidateDataResourceConfig.Types.Response>(TerraformProvider, "ValidateDataResourceConfig", static s => s.Provider.ValidateDataResourceConfig),
        Unary<UpgradeResourceState.Types.Request, UpgradeResourceState.Types.Response>(TerraformProvider, "UpgradeResourceState", static s => s.Provider.UpgradeResourceState),
        Unary<GetResourceIdentitySchemas.Types.Request, GetResourceIdentitySchemas.Types.Response>(TerraformProvider, "GetResourceIdentitySchemas", static s => s.Provider.GetResourceIdentitySchemas),
        Unary<UpgradeResourceIdentity.Types.Request, UpgradeResourceIdentity.Types.Response>(TerraformProvider, "UpgradeResourceIdentity", static s => s.Provider.UpgradeResourceIdentity),
        Unary<ConfigureProvider.Types.Request, ConfigureProvider.Types.Response>(TerraformProvider, "ConfigureProvider", static s => s.Provider.ConfigureProvider),
        Unary<ReadResource.Types.Request, ReadResource.Types.Response>(TerraformProvider, "ReadResource", static s => s.Provider.ReadResource),
        Unary<PlanResourceChange.Types.Request, PlanResourceChange.Types.Response>(TerraformProvider, "PlanResourceChange", static s => s.Provider.PlanResourceChange),
        Unary<ApplyResourceChange.Types.Request, ApplyResourceChange.Types.Response>(TerraformProvider, "ApplyResourceChange", static s => s.Provider.ApplyResourceChange),
        Unary<ImportResourceState.Types.Request, ImportResourceState.Types.Response>(TerraformProvider, "ImportResourceState", static s => s.Provider.ImportResourceState),
        Unary<MoveResourceState.Types.Request, MoveResourceState.Types.Response>(TerraformProvider, "MoveResourceState", static s => s.Provider.MoveResourceState),
        Unary<ReadDataSource.Types.Request, ReadDataSource.Types.Response>(TerraformProvider, "ReadDataSource", static s => s.Provider.ReadDataSource),
        Unary<ValidateEphemeralResourceConfig.Types.Request, ValidateEphemeralResourceConfig.Types.Response>(TerraformProvider, "ValidateEphemeralResourceConfig", static s => s.Provider.ValidateEphemeralResourceConfig),
        Unary<OpenEphemeralResource.Types.Request, OpenEphemeralResource.Types.Response>(TerraformProvider, "OpenEphemeralResource", static s => s.Provider.OpenEphemeralResource),
        Unary<RenewEphemeralResource.Types.Request, RenewEphemeralResource.Types.Response>(TerraformProvider, "RenewEphemeralResource", static s => s.Provider.RenewEphemeralResource),
        Unary<CloseEphemeralResource.Types.Request, CloseEphemeralResource.Types.Response>(TerraformProvider, "CloseEphemeralResource", static s => s.Provider.CloseEphemeralResource),
        Unary<GetFunctions.Types.Request, GetFunctions.Types.Response>(TerraformProvider, "GetFunctions", static s => s.Provider.GetFunctions),
        Unary<CallFunction.Types.Request, CallFunction.Types.Response>(TerraformProvider, "CallFunction", static s => s.Provider.CallFunction),
        Unary<StopProvider.Types.Request, StopProvider.Types.Response>(TerraformProvider, "StopProvider", static s => s.Provider.StopProvider),
        Unary<Protocol.GoPlugin.Empty, Protocol.GoPlugin.Empty>(Controller, "Shutdown", static s => s.Controller.Shutdown),
        ServerStreaming<Google.Protobuf.WellKnownTypes.Empty, StdioData>(Stdio, "StreamStdio", static s => s.Stdio.StreamStdio),
        Unary<HealthCheckRequest, HealthCheckResponse>(Health, "Check", static s => s.Health.Check),
        ServerStreaming<HealthCheckRequest, HealthCheckResponse>(Health, "Watch", static s => s.Health.Watch),
    ];

    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<PluginServices> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        foreach (var method in All)
        {
            method.AddTo(context, services);
        }
    }

    private static UnaryMethod<TRequest, TResponse> Unary<TRequest, TResponse>(string service, string name, Func<PluginServices, UnaryServerMethod<TRequest, TResponse>> handler)
        where TRequest : class, IMessage<TRequest>, IBufferMessage, new()
        where TResponse : class, IMessage<TResponse>, IBufferMessage, new() =>
        new(service, name, handler);

    private static ServerStreamingMethod<TRequest, TResponse> ServerStreaming<TRequest, TResponse>(string service, string name, Func<PluginServices, ServerStreamingServerMethod<TRequest, TResponse>> handler)
        where TRequest : class, IMessage<TRequest>, IBufferMessage, new()
        where TResponse : class, IMessage<TResponse>, IBufferMessage, new() =>
        new(service, name, handler);

    private sealed class UnaryMethod<TRequest, TResponse>(string service, string name, Func<PluginServices, UnaryServerMethod<TRequest, TResponse>> handler)
        : PluginMethod(MethodType.Unary, service, name)
        where TRequest : class, IMessage<TRequest>, IBufferMessage, new()
        where TResponse : class, IMessage<TResponse>, IBufferMessage, new()
    {
        public override Type RequestType => typeof(TRequest);

        public override Type ResponseType => typeof(TResponse);

        internal override void AddTo(ServiceMethodProviderContext<PluginServices> context, PluginServices services)
        {
            var call = handler(services);
            context.AddUnaryMethod(
                new Method<TRequest, TResponse>(Type, ServiceName, Name, ProtobufMarshaller<TRequest>.Instance, ProtobufMarshaller<TResponse>.Instance),
                NoMetadata,
                (_, request, context) => call(request, context));
        }
    }

    private sealed class ServerStreamingMethod<TRequest, TResponse>(string service, string name, Func<PluginServices, ServerStreamingServerMethod<TRequest, TResponse>> handler)
        : PluginMethod(MethodType.ServerStreaming, service, name)
        where TRequest : class, IMessage<TRequest>, IBufferMessage, new()
        where TResponse : class, IMessage<TResponse>, IBufferMessage, new()
    {
        public override Type RequestType => typeof(TRequest);

        public override Type ResponseType => typeof(TResponse);

        internal override void AddTo(ServiceMethodProviderContext<PluginServices> context, PluginServices services)
        {
            var call = handler(services);
            context.AddServerStreamingMethod(
                new Method<TRequest, TResponse>(Type, ServiceName, Name, ProtobufMarshaller<TRequest>.Instance, ProtobufMarshaller<TResponse>.Instance),
                NoMetadata,
                (_, request, responses, context) => call(request, responses, context));
        }
    }
}
