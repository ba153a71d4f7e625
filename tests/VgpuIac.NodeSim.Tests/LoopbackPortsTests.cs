using System.Net;
using System.Net.Sockets;

namespace VgpuIac.NodeSim.Tests;

/// <summary>
/// The ports tests give their servers: never from the kernel's ephemeral range (an outgoing connection may hold such a
/// port while the server is down, and it then cannot listen again), never the same one twice to concurrent callers, and
/// never one somebody listens on.
/// </summary>
public sealed class LoopbackPortsTests
{
    [Fact]
    public async Task Concurrent_callers_get_distinct_ports_below_the_ephemeral_range_that_can_be_listened_on()
    {
        var ephemeral = LoopbackPorts.EphemeralStart();
        var ports = await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(LoopbackPorts.Reserve)));

        Assert.Equal(ports.Length, ports.Distinct().Count());
        Assert.All(ports, p => Assert.InRange(p, 10000, Math.Min(19999, ephemeral - 1)));
        foreach (var port in ports)
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
        }
    }

    [Fact]
    public void A_port_somebody_listens_on_is_skipped()
    {
        // hold the ports after the one just handed out; the counter goes on from there (other test processes may take
        // some of them first, so only "never a held one" is asserted)
        var first = LoopbackPorts.Reserve();
        var last = Math.Min(19999, LoopbackPorts.EphemeralStart() - 1);
        var held = new List<TcpListener>();
        try
        {
            for (var k = 1; k <= 8; k++)
            {
                var p = first + k > last ? first + k - last - 1 + 10000 : first + k;
                var l = new TcpListener(IPAddress.Loopback, p);
                try
                {
                    l.Start();
                    held.Add(l);
                }
                catch (SocketException)
                {
                    l.Dispose();
                }
            }

            var heldPorts = held.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToHashSet();
            Assert.NotEmpty(heldPorts);
            for (var i = 0; i < 4; i++)
            {
                Assert.DoesNotContain(LoopbackPorts.Reserve(), heldPorts);
            }
        }
        finally
        {
            held.ForEach(l => l.Dispose());
        }
    }
}
