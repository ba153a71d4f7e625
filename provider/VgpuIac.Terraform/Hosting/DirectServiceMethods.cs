using System.Diagnostics.CodeAnalysis;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;

namespace VgpuIac.Terraform.Hosting;

/// <summary>
/// Binds a gRPC service's methods without reflection: the generated <c>BindService(binder, instance)</c> hands every method
/// and a handler bound to the (singleton) service instance to <see cref="ServiceBinderBase"/>, and this binder passes them on
/// to Grpc.AspNetCore. Replaces Grpc.AspNetCore's default provider, which finds <c>BindService</c> by reflection and builds
/// a delegate per method from <c>MethodInfo</c> (measurable start-up CPU under Native AOT).
/// </summary>
public sealed class DirectServiceMethods<[DynamicallyAccessedMembers(Annotation)] TService>(TService service, Action<ServiceBinderBase, TService> bindService) : IServiceMethodProvider<TService>
    where TService : class
{
    /// <summary>What Grpc.AspNetCore's generic parameters declare (kept for the trimmer; nothing here reflects).</summary>
    public const DynamicallyAccessedMemberTypes Annotation =
        DynamicallyAccessedMemberTypes.PublicConstructors | DynamicallyAccessedMemberTypes.PublicMethods | DynamicallyAccessedMemberTypes.NonPublicMethods;

    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<TService> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        bindService(new Binder(context), service);
    }

    private sealed class Binder(ServiceMethodProviderContext<TService> context) : ServiceBinderBase
    {
        private static readonly IList<object> NoMetadata = Array.Empty<object>();

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
        {
            ArgumentNullException.ThrowIfNull(handler);
            context.AddUnaryMethod(method, NoMetadata, (_, request, call) => handler(request, call));
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler)
        {
            ArgumentNullException.ThrowIfNull(handler);
            context.AddServerStreamingMethod(method, NoMetadata, (_, request, stream, call) => handler(request, stream, call));
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler)
        {
            ArgumentNullException.ThrowIfNull(handler);
            context.AddClientStreamingMethod(method, NoMetadata, (_, requests, call) => handler(requests, call));
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler)
        {
            ArgumentNullException.ThrowIfNull(handler);
            context.AddDuplexStreamingMethod(method, NoMetadata, (_, requests, responses, call) => handler(requests, responses, call));
        }
    }
}
