using Grpc.Core;
using VgpuIac.Terraform.Hosting;
using VgpuIac.Terraform.Protocol;
using VgpuIac.Terraform.Protocol.GoPlugin;
using VgpuIac.Terraform.Protocol.Health;

namespace VgpuIac.Terraform.Tests.Hosting;

/// <summary>The hand-listed RPCs the host maps (PluginMethods) are exactly those of the generated service code.</summary>
public sealed class PluginMethodsTests
{
    [Fact]
    public void The_listed_methods_are_the_generated_services_methods_with_the_same_names_kinds_and_message_types()
    {
        // The generated BindService with no implementation lists the methods (handlers null), as gRPC reflection does.
        var generated = new RecordingBinder();
        Protocol.Provider.BindService(generated, null);
        GRPCController.BindService(generated, null);
        GRPCStdio.BindService(generated, null);
        Health.BindService(generated, null);

        var listed = PluginMethods.All.Select(m => (m.FullName, m.Type, m.RequestType, m.ResponseType)).ToList();

        Assert.Equal(26, generated.Methods.Count);
        Assert.Equal(generated.Methods.Count, listed.Count);
        Assert.Equal(generated.Methods.OrderBy(m => m.FullName, StringComparer.Ordinal), listed.OrderBy(m => m.FullName, StringComparer.Ordinal));
        Assert.Equal(
            [PluginMethods.TerraformProvider, PluginMethods.Controller, PluginMethods.Stdio, PluginMethods.Health],
            PluginMethods.All.Select(m => m.ServiceName).Distinct());
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
