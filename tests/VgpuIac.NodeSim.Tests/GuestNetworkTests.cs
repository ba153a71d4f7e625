using System.Text.Json;
using System.Text.RegularExpressions;
using VgpuIac.NodeSim.Tests.DriverStack;

namespace VgpuIac.NodeSim.Tests;

/// <summary>
/// A simulated guest's network as the guest itself and its agent report it: a Linux guest's <c>ip</c> (iproute2's
/// layouts, <c>-o</c> one line per address) lists the same interfaces and addresses as the agent's
/// <c>network-get-interfaces</c> (both from the interfaces the guest found at boot), with the IPv6 link-local address the
/// kernel derives from net0's MAC; <c>/etc/nodesim/ip_missing</c> in the guest makes it a guest without <c>ip</c>.
/// </summary>
public sealed class GuestNetworkTests
{
    private static string OutData(string execJson)
    {
        using var doc = JsonDocument.Parse(execJson);
        Assert.Equal(0, doc.RootElement.GetProperty("exitcode").GetInt32());
        return doc.RootElement.GetProperty("out-data").GetString()!;
    }

    /// <summary>(interface, family, address/prefix) of each address the agent reports, in its order.</summary>
    private static List<(string Name, string Family, string Address)> AgentAddresses(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return [.. doc.RootElement.EnumerateArray().SelectMany(i => i.GetProperty("ip-addresses").EnumerateArray().Select(a => (
            i.GetProperty("name").GetString()!,
            a.GetProperty("ip-address-type").GetString() == "ipv4" ? "inet" : "inet6",
            $"{a.GetProperty("ip-address").GetString()}/{a.GetProperty("prefix").GetInt32()}")))];
    }

    /// <summary>(interface, family, address/prefix) of each line of <c>ip -o addr show</c>.</summary>
    private static List<(string Name, string Family, string Address)> OnelineAddresses(string text) =>
        [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l =>
        {
            var m = Regex.Match(l, @"^[0-9]+: (\S+) {4}(inet6?) (\S+) .*\\ {7}valid_lft \S+ preferred_lft \S+$");
            Assert.True(m.Success, l);
            return (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value);
        })];

    [NodeFact]
    public async Task A_linux_guest_s_ip_lists_the_addresses_its_agent_reports()
    {
        await using var node = await SimulatedNode.StartAsync(new NodeOptions { Hostname = "pve-net" });
        DriverNodes.Ok(node, "qm create 280 --name lin --ostype l26 --agent enabled=1 --net0 virtio=BC:24:11:0A:0B:0C,bridge=vmbr0 && qm start 280");
        DriverNodes.Ok(node, "qm create 281 --name win --ostype win11 --agent enabled=1 --net0 virtio=BC:24:11:0A:0B:0D,bridge=vmbr0 && qm start 281");

        var agent = AgentAddresses(DriverNodes.Ok(node, "qm agent 280 network-get-interfaces"));
        Assert.Equal(
            [("lo", "inet", "127.0.0.1/8"), ("lo", "inet6", "::1/128"), ("ens18", "inet", "10.10.1.32/24"), ("ens18", "inet6", "fe80::be24:11ff:fe0a:b0c/64")],
            agent);
        Assert.Equal(agent, OnelineAddresses(OutData(DriverNodes.Ok(node, "qm guest exec 280 -- ip -o addr show"))));
        Assert.Equal(agent.Where(a => a.Family == "inet"), OnelineAddresses(OutData(DriverNodes.Ok(node, "qm guest exec 280 -- ip -o -4 addr show"))));
        Assert.Equal(
            "2: ens18    inet 10.10.1.32/24 brd 10.10.1.255 scope global dynamic ens18\\       valid_lft 86245sec preferred_lft 86245sec\n",
            OutData(DriverNodes.Ok(node, "qm guest exec 280 -- sh -c 'ip -o -4 addr show dev ens18'")));
        Assert.Contains("    link/ether bc:24:11:0a:0b:0c brd ff:ff:ff:ff:ff:ff\n", OutData(DriverNodes.Ok(node, "qm guest exec 280 -- ip addr")), StringComparison.Ordinal);
        Assert.Contains(await node.ReadGuestCommandLogAsync(280), e => e.Kind == CommandLogKind.ShimRead && e.Text == "ip -o -4 addr show");

        // a Windows guest's agent names its interfaces as Windows does; the same addresses from the same derivation
        Assert.Equal(
            [("Loopback Pseudo-Interface 1", "inet", "127.0.0.1/8"), ("Loopback Pseudo-Interface 1", "inet6", "::1/128"), ("Ethernet", "inet", "10.10.1.33/24"), ("Ethernet", "inet6", "fe80::be24:11ff:fe0a:b0d/64")],
            AgentAddresses(DriverNodes.Ok(node, "qm agent 281 network-get-interfaces")));

        // a guest without ip: the agent's exec cannot start it, a shell says 127
        DriverNodes.Ok(node, "touch /var/lib/nodesim/guests/280/root/etc/nodesim/ip_missing");
        Assert.Contains("Failed to execute child process “ip”", DriverNodes.Run(node, "qm guest exec 280 -- ip -o -4 addr show").Err, StringComparison.Ordinal);
        Assert.Equal("127\n", OutData(DriverNodes.Ok(node, "qm guest exec 280 -- sh -c 'ip -o -4 addr show 2>/dev/null; echo $?'")));
        Assert.Equal(agent, AgentAddresses(DriverNodes.Ok(node, "qm agent 280 network-get-interfaces")));
    }
}
