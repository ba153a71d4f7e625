using System.Collections.Immutable;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using VgpuIac.Hosting;
using VgpuIac.Pulumi.Provider;
using VgpuIac.Pulumi.Rpc;

namespace VgpuIac.Pulumi.Hosting;

/// <summary>
/// The RPCs of <c>pulumirpc.ResourceProvider</c>, added to Grpc.AspNetCore with their concrete types (a test checks the list
/// against the generated code).
/// </summary>
/// <remarks>
/// Start-up under Native AOT: Grpc.AspNetCore's default binding finds the generated <c>BindService</c> by reflection, which
/// calls the generic virtual method <c>ServiceBinderBase.AddMethod&lt;TRequest, TResponse&gt;</c> once per RPC; each first call
/// of a generic virtual method builds its target at run time in the AOT type loader. In the Terraform provider that was
/// the largest share of start-up CPU (see the provider's <c>Hosting/PluginMethods.cs</c>); listed here, nothing is built at
/// run time.
/// </remarks>
public sealed class ResourceProviderMethods : IServiceMethodProvider<VgpuResourceProvider>
{
    public const string ServiceName = "pulumirpc.ResourceProvider";

    public static ImmutableArray<ResourceProviderMethod> All { get; } =
    [
        Unary<ProviderHandshakeRequest, ProviderHandshakeResponse>("Handshake", static (s, request, context) => s.Handshake(request, context)),
        Unary<GetSchemaRequest, GetSchemaResponse>("GetSchema", static (s, request, context) => s.GetSchema(request, context)),
        Unary<CheckRequest, CheckResponse>("CheckConfig", static (s, request, context) => s.CheckConfig(request, context)),
        Unary<DiffRequest, DiffResponse>("DiffConfig", static (s, request, context) => s.DiffConfig(request, context)),
        Unary<ConfigureRequest, ConfigureResponse>("Configure", static (s, request, context) => s.Configure(request, context)),
        Unary<InvokeRequest, InvokeResponse>("Invoke", static (s, request, context) => s.Invoke(request, context)),
        Unary<CheckRequest, CheckResponse>("Check", static (s, request, context) => s.Check(request, context)),
        Unary<DiffRequest, DiffResponse>("Diff", static (s, request, context) => s.Diff(request, context)),
        Unary<CreateRequest, CreateResponse>("Create", static (s, request, context) => s.Create(request, context)),
        Unary<ReadRequest, ReadResponse>("Read", static (s, request, context) => s.Read(request, context)),
        Unary<UpdateRequest, UpdateResponse>("Update", static (s, request, context) => s.Update(request, context)),
        Unary<DeleteRequest, Empty>("Delete", static (s, request, context) => s.Delete(request, context)),
        Unary<ConstructRequest, ConstructResponse>("Construct", static (s, request, context) => s.Construct(request, context)),
        Unary<Empty, Empty>("Cancel", static (s, request, context) => s.Cancel(request, context)),
        Unary<Empty, PluginInfo>("GetPluginInfo", static (s, request, context) => s.GetPluginInfo(request, context)),
        Unary<PluginAttach, Empty>("Attach", static (s, request, context) => s.Attach(request, context)),
    ];

    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<VgpuResourceProvider> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        foreach (var method in All)
        {
            method.AddTo(context);
        }
    }

    private static UnaryMethod<TRequest, TResponse> Unary<TRequest, TResponse>(string name, UnaryServerMethod<VgpuResourceProvider, TRequest, TResponse> invoker)
        where TRequest : class, IMessage<TRequest>, IBufferMessage, new()
        where TResponse : class, IMessage<TResponse>, IBufferMessage, new() =>
        new(name, invoker);

    private sealed class UnaryMethod<TRequest, TResponse>(string name, UnaryServerMethod<VgpuResourceProvider, TRequest, TResponse> invoker)
        : ResourceProviderMethod(name)
        where TRequest : class, IMessage<TRequest>, IBufferMessage, new()
        where TResponse : class, IMessage<TResponse>, IBufferMessage, new()
    {
        private static readonly IList<object> NoMetadata = Array.Empty<object>();

        public override System.Type RequestType => typeof(TRequest);

        public override System.Type ResponseType => typeof(TResponse);

        internal override void AddTo(ServiceMethodProviderContext<VgpuResourceProvider> context) =>
            context.AddUnaryMethod(
                new Method<TRequest, TResponse>(MethodType.Unary, ServiceName, Name, ProtobufMarshaller<TRequest>.Instance, ProtobufMarshaller<TResponse>.Instance),
                NoMetadata,
                invoker);
    }
}

/// <summary>One unary RPC of <c>pulumirpc.ResourceProvider</c>: its name and message types.</summary>
public abstract class ResourceProviderMethod
{
    private protected ResourceProviderMethod(string name) => Name = name;

    public string Name { get; }

    /// <summary>The HTTP/2 path, as <see cref="Method{TRequest, TResponse}.FullName"/>.</summary>
    public string FullName => "/" + ResourceProviderMethods.ServiceName + "/" + Name;

    public abstract System.Type RequestType { get; }

    public abstract System.Type ResponseType { get; }

    internal abstract void AddTo(ServiceMethodProviderContext<VgpuResourceProvider> context);
}
