using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using VgpuIac.Engine.Guests;

namespace VgpuIac.Engine.Tests.Guests;

/// <summary>
/// <see cref="GuestAddresses"/>: a Linux guest's <c>ip -o -4 addr show</c> lines (printed by the probe) give the same
/// <c>ip_addresses</c> as the agent's <c>network-get-interfaces</c> (IPv4, 127.* dropped, in the order listed, duplicates
/// kept); the node scripts tell a probe whose <c>ip</c> worked from one without by a marker line they match literally.
/// </summary>
public sealed class GuestAddressesTests
{
    // iproute2's one-line layout: "IDX: NAME    FAMILY ADDR/PREFIX [brd B] scope S [flags] [LABEL]\       valid_lft ..."
    private static string Inet(int index, string name, string address, int prefix, string rest = "scope global dynamic") =>
        $"{index}: {name}    inet {address}/{prefix} {rest} {name}\\       valid_lft 86245sec preferred_lft 86245sec";

    private static string Inet6(int index, string name, string address) =>
        $"{index}: {name}    inet6 {address}/64 scope link \\       valid_lft forever preferred_lft forever";

    // as `qm agent VMID network-get-interfaces` prints it: each interface's addresses, IPv4 and IPv6 mixed
    private static string AgentJson(IEnumerable<(string Name, string[] V4, string[] V6)> nics) =>
        "[" + string.Join(",", nics.Select(n =>
            $"{{\"hardware-address\" : \"bc:24:11:00:00:01\", \"ip-addresses\" : ["
            + string.Join(", ", n.V6.Take(1).Select(a => $"{{\"ip-address\" : \"{a}\", \"ip-address-type\" : \"ipv6\", \"prefix\" : 64}}")
                .Concat(n.V4.Select(a => $"{{\"ip-address\" : \"{a}\", \"ip-address-type\" : \"ipv4\", \"prefix\" : 24}}"))
                .Concat(n.V6.Skip(1).Select(a => $"{{\"ip-address\" : \"{a}\", \"ip-address-type\" : \"ipv6\", \"prefix\" : 64}}")))
            + $"], \"name\" : \"{n.Name}\"}}")) + "]";

    [Fact]
    public void Inet6_lines_and_the_loopback_are_left_out_and_every_address_is_kept_in_order()
    {
        var text = string.Join('\n',
            "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever",
            "1: lo    inet6 ::1/128 scope host \\       valid_lft forever preferred_lft forever",
            Inet(2, "ens18", "10.0.0.5", 24, "brd 10.0.0.255 scope global dynamic"),
            Inet(2, "ens18", "10.0.0.9", 24, "brd 10.0.0.255 scope global secondary"),
            Inet6(2, "ens18", "fe80::be24:11ff:fe0a:b0c"),
            "2: ens18    inet6 fd00::5/64 scope global dynamic mngtmpaddr \\       valid_lft 86000sec preferred_lft 14000sec",
            Inet(3, "eth0@if5", "172.17.0.2", 16, "brd 172.17.255.255 scope global"),
            "4: tun0    inet 10.8.0.1 peer 10.8.0.2/32 scope global tun0\\       valid_lft forever preferred_lft forever",
            Inet(5, "br0", "10.0.0.5", 24, "scope global"),
            "6: lo2    inet 127.0.1.1/8 scope host lo2\\       valid_lft forever preferred_lft forever",
            string.Empty);

        Assert.Equal(["10.0.0.5", "10.0.0.9", "172.17.0.2", "10.8.0.1", "10.0.0.5"], GuestAddresses.FromIpOneline(text).ToArray());
    }

    [Theory]
    [InlineData("2: ens18    inet 10.0.0.5/24 brd 10.0.0.255 scope global ens18\\       valid_lft forever", "10.0.0.5")]
    [InlineData("2: ens18    inet 10.0.0.5/24 brd 10.0", "10.0.0.5")]
    [InlineData("2: ens18    inet 10.0.0.5/2", "10.0.0.5")]
    [InlineData("2: ens18    inet 10.0.0.5/", "10.0.0.5")]
    [InlineData("2: ens18    inet 10.0.0.5 peer", "10.0.0.5")]
    [InlineData("2:\tens18\tinet\t10.0.0.5/24", "10.0.0.5")]
    [InlineData("2: ens18    inet 10.0.0.5/24 scope global ens18\r", "10.0.0.5")]
    [InlineData("2: ens18    inet 10.0.0.5", null)]   // cut inside the address: 10.0.0.5 could have been 10.0.0.51
    [InlineData("2: ens18    inet 10.0.0", null)]
    [InlineData("2: ens18    inet 10.0.0.", null)]
    [InlineData("2: ens18    inet", null)]
    [InlineData("2: ens18    in", null)]
    [InlineData("2: ens18", null)]
    [InlineData("2:", null)]
    [InlineData("", null)]
    [InlineData("    inet 10.0.0.5/24 brd 10.0.0.255 scope global ens18", null)] // ip addr without -o: not this layout
    [InlineData("x: ens18    inet 10.0.0.5/24 scope global ens18", null)]
    [InlineData("2 ens18    inet 10.0.0.5/24 scope global ens18", null)]
    [InlineData("2: ens18    inet6 10.0.0.5/24 scope global ens18", null)]
    [InlineData("2: ens18    link/ether 10.0.0.5/24", null)]
    [InlineData("2: ens18    inet 10.0.0.256/24 scope global ens18", null)]
    [InlineData("2: ens18    inet 10.0.0.0005/24 scope global ens18", null)]
    [InlineData("2: ens18    inet 10.0.-1.5/24 scope global ens18", null)]
    [InlineData("2: ens18    inet 10.0.0.5.7/24 scope global ens18", null)]
    [InlineData("2: ens18    inet ::ffff:10.0.0.5/24 scope global ens18", null)]
    [InlineData("2: ens18    inet 127.0.0.53/8 scope host ens18", null)]
    public void One_line_gives_its_address_only_when_the_address_is_whole(string line, string? expected)
    {
        var addresses = GuestAddresses.FromIpOneline(line);
        Assert.Equal(expected is null ? [] : [expected], addresses.ToArray());
    }

    [Fact]
    public void The_guest_s_own_list_and_the_agent_s_list_of_the_same_interfaces_are_equal()
    {
        // random interfaces (names with @, addresses with loopback ones and repeats) printed both ways
        var random = new Random(20261206);
        for (var round = 0; round < 300; round++)
        {
            var nics = Enumerable.Range(1, random.Next(1, 5)).Select(i =>
            {
                var name = random.Next(4) switch { 0 => "lo", 1 => $"ens{random.Next(16, 20)}", 2 => $"eth{i}@if{random.Next(2, 9)}", _ => $"veth{random.Next(100):x}" };
                var v4 = Enumerable.Range(0, random.Next(0, 3)).Select(_ => random.Next(5) == 0
                    ? $"127.0.{random.Next(2)}.{random.Next(1, 9)}"
                    : $"{random.Next(1, 224)}.{random.Next(256)}.{random.Next(3)}.{random.Next(256)}").ToArray();
                var v6 = Enumerable.Range(0, random.Next(0, 2)).Select(_ => $"fe80::{random.Next(0x10000):x}").ToArray();
                return (Name: name, V4: v4, V6: v6);
            }).ToArray();
            var lines = new StringBuilder();
            for (var i = 0; i < nics.Length; i++)
            {
                foreach (var a in nics[i].V4)
                {
                    lines.Append(Inet(i + 1, nics[i].Name, a, random.Next(8, 33))).Append('\n');
                }

                foreach (var a in nics[i].V6)
                {
                    lines.Append(Inet6(i + 1, nics[i].Name, a)).Append('\n');
                }
            }

            var expected = nics.SelectMany(n => n.V4).Where(a => !a.StartsWith("127.", StringComparison.Ordinal)).ToArray();
            Assert.Equal(expected, GuestAddresses.FromIpOneline(lines.ToString()).ToArray());
            Assert.Equal(expected, GuestAddresses.FromAgent(AgentJson(nics)).ToArray());
        }
    }

    [Fact]
    public void Lines_cut_or_mangled_anywhere_never_throw_and_never_give_an_address_that_is_not_in_them()
    {
        var random = new Random(7);
        var whole = string.Join('\n',
            Inet(2, "ens18", "10.0.0.5", 24, "brd 10.0.0.255 scope global dynamic"),
            Inet(3, "eth0@if5", "192.168.100.200", 24, "scope global"),
            Inet6(3, "eth0@if5", "fe80::1"));
        for (var round = 0; round < 2000; round++)
        {
            var text = round % 2 == 0 ? whole[..random.Next(whole.Length + 1)] : Mangle(whole, random);
            var addresses = GuestAddresses.FromIpOneline(text);
            Assert.All(addresses, a => Assert.Matches($@"\sinet\s+{Regex.Escape(a)}(/|\s)", text));
            Assert.All(addresses, a => Assert.Equal(4, a.Split('.').Length));
        }

        // cut at every length: the addresses found are a prefix of the whole list
        for (var n = 0; n <= whole.Length; n++)
        {
            var found = GuestAddresses.FromIpOneline(whole[..n]).ToArray();
            Assert.Equal(new[] { "10.0.0.5", "192.168.100.200" }.Take(found.Length), found);
        }
    }

    private static string Mangle(string text, Random random)
    {
        var chars = text.ToCharArray();
        for (var i = random.Next(1, 6); i > 0; i--)
        {
            chars[random.Next(chars.Length)] = " .:/\n0123456789abcinet@\\"[random.Next(24)];
        }

        return new string(chars);
    }

    [Fact]
    public void The_probe_s_section_is_read_up_to_the_next_section_and_absent_when_ip_did_not_work()
    {
        var probe = string.Join('\n',
            "nouveau_loaded=0",
            "nouveau_blacklisted=1",
            GuestAddresses.IpMarker,
            "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever",
            Inet(2, "a=b", "10.10.0.202", 24),
            "--- nvidia-smi -q",
            "2: ens19    inet 10.9.9.9/24 scope global ens19",
            string.Empty);
        Assert.Equal(["10.10.0.202"], GuestAddresses.FromProbe(probe)!.Value.ToArray());
        Assert.Equal(["10.10.0.202"], GuestAddresses.FromProbe(probe.Replace("\n", "\r\n", StringComparison.Ordinal))!.Value.ToArray());
        Assert.Empty(GuestAddresses.FromProbe($"{GuestAddresses.IpMarker}\n\n--- nvidia-smi -q\n")!.Value);

        // ip missing or failed: no list, so the node asked the agent
        Assert.Null(GuestAddresses.FromProbe($"nouveau_loaded=0\n{GuestAddresses.IpUnavailable}\n--- nvidia-smi -q\n"));
        Assert.Null(GuestAddresses.FromProbe("nouveau_loaded=0\n--- nvidia-smi -q\n"));
        Assert.Null(GuestAddresses.FromProbe($"x{GuestAddresses.IpMarker}\n{Inet(2, "ens18", "10.0.0.5", 24)}\n"));

        // the key=value facts stop at the addresses: an interface named a=b is not a fact
        var (facts, _) = GuestNodeState.ParseProbe(probe, 0, string.Empty);
        Assert.Equal(["license_status", "nouveau_blacklisted", "nouveau_loaded"], facts.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_read_takes_the_probe_s_addresses_and_the_agent_s_only_when_the_probe_has_none()
    {
        static string Read(string probeOut, string? net) =>
            "### config\nostype: l26\n### status\nstatus: running\n### guest\n"
            + $"{{\n   \"exitcode\" : 0,\n   \"exited\" : 1,\n   \"out-data\" : {JsonSerializer.Serialize(probeOut)}\n}}\n"
            + (net is null ? string.Empty : $"### net\n{net}\n") + "### end\n";
        var agent = AgentJson([("lo", ["127.0.0.1"], ["::1"]), ("ens18", ["10.10.0.202"], ["fe80::1"])]);

        var own = GuestNodeState.Parse(Read($"nouveau_loaded=0\n{GuestAddresses.IpMarker}\n{Inet(2, "ens18", "10.10.0.202", 24)}\n--- nvidia-smi -q\n", null));
        Assert.Equal(["10.10.0.202"], own.IpAddresses.ToArray());
        Assert.Equal("0", own.GuestValue("nouveau_loaded"));

        var fallback = GuestNodeState.Parse(Read($"nouveau_loaded=0\n{GuestAddresses.IpUnavailable}\n--- nvidia-smi -q\n", agent));
        Assert.Equal(["10.10.0.202"], fallback.IpAddresses.ToArray());

        // a probe that failed in the guest (agent error text, not JSON): the agent's list
        var failed = GuestNodeState.Parse("### config\nostype: l26\n### status\nstatus: running\n### guest\nAgent error: timeout\n### net\n" + agent + "\n### end\n");
        Assert.Null(failed.Guest);
        Assert.Equal(["10.10.0.202"], failed.IpAddresses.ToArray());
    }

    [Fact]
    public void The_node_scripts_match_the_marker_literally_and_only_a_probe_whose_ip_worked_prints_it()
    {
        // the marker sits in '...' of a shell case pattern: no quote, no glob character, no JSON escape
        Assert.DoesNotContain(GuestAddresses.IpMarker, c => c is '\'' or '"' or '\\' or '*' or '?' or '[' or ']' or '/');
        Assert.DoesNotContain(GuestAddresses.IpMarker, GuestAddresses.IpUnavailable, StringComparison.Ordinal);
        Assert.StartsWith("--- ", GuestAddresses.IpUnavailable, StringComparison.Ordinal);
        Assert.Contains($"then echo \"{GuestAddresses.IpMarker}\";", GuestScripts.GuestProbe, StringComparison.Ordinal);
        Assert.Contains($"else echo \"{GuestAddresses.IpUnavailable}\";", GuestScripts.GuestProbe, StringComparison.Ordinal);
        foreach (var script in new[] { GuestRead.AgentScript, GuestScripts.Read })
        {
            Assert.Contains($"*'{GuestAddresses.IpMarker}'*) ;;", script, StringComparison.Ordinal);
        }

        // the addresses come before nvidia-smi -q, whose output runs to the end
        Assert.True(GuestScripts.GuestProbe.IndexOf("ip -o -4 addr show 2>", StringComparison.Ordinal) < GuestScripts.GuestProbe.IndexOf("--- nvidia-smi -q", StringComparison.Ordinal));
    }
}
