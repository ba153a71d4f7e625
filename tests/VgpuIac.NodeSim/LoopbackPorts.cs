using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace VgpuIac.NodeSim;

/// <summary>
/// Ports for the servers tests start on 127.0.0.1 (a node's sshd, a guest's sshd, the licence server stand-in, file
/// servers), which often stop and listen again on the same port: a node's reboot, <c>pct stop</c> then <c>pct start</c>.
/// <para>
/// A port the kernel hands out for <c>bind(0)</c> comes from its ephemeral range, the same range every outgoing
/// connection takes its local port from. While such a server is down, any of the thousands of SSH, gRPC and HTTPS
/// connections the test processes open can take that port as its local port, and the server then cannot listen again
/// (EADDRINUSE, SO_REUSEADDR or not): the licence server of a test came back unreachable once in CI that way.
/// </para>
/// <para>
/// So the ports come from 10000–19999, below the ephemeral range (<c>/proc/sys/net/ipv4/ip_local_port_range</c>),
/// which outgoing connections never use, and are handed out in turn by a counter in a file that all test processes
/// share under an exclusive lock: test projects run in parallel, and two of them must not be given the same port.
/// (A simulated guest's sshd takes its ports from 20000 up to the ephemeral range: <c>guest_free_port</c>.)
/// </para>
/// </summary>
public static class LoopbackPorts
{
    private const int First = 10000;
    private const int Last = 19999;
    private static readonly string CounterFile = Path.Combine(Path.GetTempPath(), "vgpuiac-test-ports");

    /// <summary>A port free now on 127.0.0.1 that no other caller on this machine has been given recently.</summary>
    public static int Reserve()
    {
        var last = Math.Min(Last, EphemeralStart() - 1);
        if (last - First < 1000)
        {
            // the machine's ephemeral range starts low: nothing outside it to choose from, so take the kernel's pick
            return KernelPick();
        }

        using var counter = OpenLocked();
        var text = new StreamReader(counter, leaveOpen: true).ReadToEnd().Trim();
        var next = int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= First && n <= last
            ? n
            : First + Random.Shared.Next(last - First + 1);
        for (var tried = 0; tried <= last - First; tried++)
        {
            var port = next;
            next = next >= last ? First : next + 1;
            if (Free(port))
            {
                counter.SetLength(0);
                using var writer = new StreamWriter(counter, leaveOpen: true);
                writer.Write(next.ToString(CultureInfo.InvariantCulture));
                return port;
            }
        }

        throw new InvalidOperationException($"No free TCP port on 127.0.0.1 between {First} and {last}.");
    }

    /// <summary>The first port of the kernel's ephemeral range (32768 when it cannot be read, Linux's default).</summary>
    public static int EphemeralStart()
    {
        try
        {
            var fields = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            return int.Parse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 32768;
        }
    }

    private static FileStream OpenLocked()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                // FileShare.None takes an exclusive advisory lock (flock) on Unix; other test processes wait here
                return new FileStream(CounterFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(Random.Shared.Next(5, 25));
            }
        }
    }

    private static bool Free(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int KernelPick()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
