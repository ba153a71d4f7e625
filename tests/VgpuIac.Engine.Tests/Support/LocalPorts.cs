using System.Net;
using System.Net.Sockets;

namespace VgpuIac.Engine.Tests.Support;

/// <summary>Free TCP ports on the loopback interface, for servers the tests start.</summary>
public static class LocalPorts
{
    /// <summary>A port the kernel just handed out and released again (free at this moment).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
