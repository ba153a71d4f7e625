using Grpc.Core;
using VgpuIac.Pulumi.Hosting;
using VgpuIac.Pulumi.Rpc;

namespace VgpuIac.Pulumi.Tests.Plugin;

/// <summary>The hand-listed RPCs the plugin host maps (ResourceProviderMethods) are exactly those of the generated service code.</summary>
public sealed class ResourceProviderMethodsTests
{
    [Fact]
    public void The_listed_methods_are_the_generated_services_methods_with_the_same_names_and_message_types()
    {
        // The generated BindService with no implementation lists the methods (handlers null), as gRPC reflection does.
        var generated = new RecordingBinder();
        ResourceProvider.BindService(generated, null);

        var listed = ResourceProviderMethods.All.Select(m => (m.FullName, MethodType.Unary, m.RequestType, m.ResponseType)).ToList();

        Assert.Equal(16, generated.Methods.Count);
        Assert.Equal(generated.Methods.OrderBy(m => m.FullName, StringComparer.Ordinal), listed.OrderBy(m => m.FullName, StringComparer.Ordinal));
    }

    private sealed class RecordingBinder : ServiceBinderBase
    {
        public List<(string FullName, MethodType Type, Type Request, Type Response)> Methods { get; } = [];

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler) =>
            Methods.Add((method.FullName, method.Type, typeof(TRequest), typeof(TResponse)));

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler) =>
            Methods.Add((method.FullName, method.Type, typeof(TRequest), typeof(TResponse)));

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler) =>
            Methods.Add((method.FullName, method.Type, typeof(TRequest), typeof(TResponse)));

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler) =>
            Methods.Add((method.FullName, method.Type, typeof(TRequest), typeof(TResponse)));
    }
}
