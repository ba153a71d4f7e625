using System.Buffers;
using System.Net;
using System.Text;
using System.Text.Json;

namespace VgpuIac.Terraform.Hosting;

/// <summary>The <c>TF_REATTACH_PROVIDERS</c> value for debug mode (protocol 6, <c>Test: true</c> so Terraform neither assumes v5 nor kills us).</summary>
public static class ReattachConfig
{
    public static readonly string[] ProviderAddresses = ["registry.terraform.io/vgpuiac/vgpu", "registry.opentofu.org/vgpuiac/vgpu"];

    public static string Json(IPEndPoint endpoint, int processId)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            foreach (var address in ProviderAddresses)
            {
                json.WriteStartObject(address);
                json.WriteString("Protocol", "grpc");
                json.WriteNumber("ProtocolVersion", PluginEnvironment.ProtocolVersion);
                json.WriteNumber("Pid", processId);
                json.WriteBoolean("Test", true);
                json.WriteStartObject("Addr");
                json.WriteString("Network", "tcp");
                json.WriteString("String", endpoint.ToString());
                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static string Instructions(IPEndPoint endpoint, int processId) =>
        "terraform-provider-vgpu is running in debug mode. In another shell, set:\n\n" +
        $"    export TF_REATTACH_PROVIDERS='{Json(endpoint, processId)}'\n\n" +
        "then run terraform or tofu there. Press Ctrl-C here to stop the provider.\n";
}
