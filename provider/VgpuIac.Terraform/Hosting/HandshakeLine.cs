using System.Globalization;
using System.Net;

namespace VgpuIac.Terraform.Hosting;

/// <summary>go-plugin's handshake: <c>1|6|tcp|127.0.0.1:PORT|grpc|&lt;base64 DER, unpadded&gt;</c>.</summary>
public static class HandshakeLine
{
    public static string Format(IPEndPoint endpoint, string? serverCertificate) =>
        string.Create(CultureInfo.InvariantCulture, $"1|{PluginEnvironment.ProtocolVersion}|tcp|{endpoint}|grpc|{serverCertificate ?? ""}");
}
