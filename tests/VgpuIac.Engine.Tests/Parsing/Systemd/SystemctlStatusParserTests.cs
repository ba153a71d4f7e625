using System.Collections.Immutable;
using VgpuIac.Engine.Parsing;
using VgpuIac.Engine.Parsing.Systemd;

namespace VgpuIac.Engine.Tests.Parsing.Systemd;

public sealed class SystemctlStatusParserTests
{
    private const string Kind = "systemctl-vgpu";

    private static readonly Dictionary<string, Action<ParseResult<ImmutableArray<SystemdUnitStatus>>>> Expected = new()
    {
        ["dualcoder-10-vgpud-inactive-dead-acst.txt"] = r =>
        {
            var u = Assert.Single(r.Value);
            Assert.Equal("nvidia-vgpud.service", u.Unit);
            Assert.Equal("NVIDIA vGPU Daemon", u.Description);
            Assert.Equal("●", u.Marker);
            Assert.Equal("loaded", u.LoadState);
            Assert.Equal("/etc/systemd/system/nvidia-vgpud.service", u.UnitFilePath);
            Assert.Equal("enabled", u.UnitFileState);
            Assert.Equal("enabled", u.Preset);
            Assert.Equal(UnitActiveState.Inactive, u.ActiveState);
            Assert.Equal("dead", u.SubState);
            Assert.Equal("Sun 2021-04-11 09:33:05 ACST", u.Since);
            Assert.Equal("944 ExecStart=/lib/vgpu_unlock/vgpu_unlock /usr/bin/nvidia-vgpud (code=exited, status=0/SUCCESS)", Assert.Single(u.Processes));
            Assert.Empty(u.DropIns);
        },
        ["libvf-io-63-fedora-disable-stop-not-loaded.txt"] = r =>
        {
            Assert.False(r.Truncated);
            var u = Assert.Single(r.Value);
            Assert.Equal("nvidia-vgpud.service", u.Unit);
            Assert.True(u.NotFound);
            Assert.Equal(2, u.Messages.Length);
        },
        ["vgpu-unlock-rs-31-vgpud-inactive-dead.txt"] = r =>
        {
            Assert.False(r.Truncated);
            var u = Assert.Single(r.Value);
            Assert.Equal("/lib/systemd/system/nvidia-vgpud.service", u.UnitFilePath);
            Assert.Equal("/etc/systemd/system/nvidia-vgpud.service.d/vgpu_unlock.conf", Assert.Single(u.DropIns));
            Assert.Equal(UnitActiveState.Inactive, u.ActiveState);
            Assert.Equal(10989, u.MainPid);
            Assert.Equal("0/SUCCESS", u.MainExitStatus);
            Assert.Equal(2, u.Processes.Length);
            Assert.Equal(8, u.JournalLines.Length);
            Assert.Contains(u.Properties, p => p.Key == "CPU" && p.Value == "131ms");
        },
        ["vgpu4nixos-4-vgpu-mgr-failed-rm-client.txt"] = r =>
        {
            var u = Assert.Single(r.Value);
            Assert.Equal("×", u.Marker);
            Assert.Equal("nvidia-vgpu-mgr.service", u.Unit);
            Assert.Equal("ignored", u.Preset);
            Assert.Equal("enabled", u.UnitFileState);
            Assert.Equal(UnitActiveState.Failed, u.ActiveState);
            Assert.Equal("exit-code", u.Result);
            Assert.Equal("Thu 2025-03-20 13:55:26 UTC", u.Since);
            Assert.Equal(4816, u.MainPid);
            Assert.Equal("1/FAILURE", u.MainExitStatus);
            Assert.Contains(u.Properties, p => p.Key == "Invocation" && p.Value == "124cbaf9031a4f618acfb6d2c5730a8d");
            Assert.Contains(u.JournalLines, l => l.Contains("Failed to initialize RM client: 0x26", StringComparison.Ordinal));
            Assert.Equal(5, u.JournalLines.Length);
        },
    };

    public static TheoryData<string> Files => RealOutputs.Names(Kind);

    [Theory]
    [MemberData(nameof(Files))]
    public void Reads_every_real_sample(string file)
    {
        Assert.True(Expected.ContainsKey(file), $"no expectation written for {Kind}/{file}");
        Expected[file](SystemctlStatusParser.Parse(RealOutputs.Read(Kind, file)));
    }

    [Fact]
    public void Every_expectation_has_a_sample() =>
        Assert.Equal(Expected.Keys.Order(StringComparer.Ordinal), RealOutputs.List(Kind));

    [Fact]
    public void Unit_could_not_be_found()
    {
        var u = Assert.Single(SystemctlStatusParser.Parse("Unit nvidia-vgpud.service could not be found.\n").Value);
        Assert.True(u.NotFound);
        Assert.Equal("nvidia-vgpud.service", u.Unit);
    }

    [Fact]
    public void Running_unit_with_two_drop_in_dirs_and_cgroup()
    {
        const string text = """
            ● nvidia-vgpu-mgr.service - NVIDIA vGPU Manager Daemon
                 Loaded: loaded (/lib/systemd/system/nvidia-vgpu-mgr.service; enabled; preset: enabled)
                Drop-In: /etc/systemd/system/nvidia-vgpu-mgr.service.d
                         └─override.conf, vgpu_unlock.conf
                         /run/systemd/system/service.d
                         └─zz.conf
                 Active: active (running) since Mon 2025-01-27 18:10:02 CST; 4min ago
               Main PID: 1234 (nvidia-vgpu-mgr)
                  Tasks: 3 (limit: 76800)
                 Memory: 4.1M
                    CPU: 20ms
                 CGroup: /system.slice/nvidia-vgpu-mgr.service
                         └─1234 /usr/bin/nvidia-vgpu-mgr
            """;
        var r = SystemctlStatusParser.Parse(text);
        Assert.True(r.IsComplete);
        var u = Assert.Single(r.Value);
        Assert.Equal(
            ["/etc/systemd/system/nvidia-vgpu-mgr.service.d/override.conf", "/etc/systemd/system/nvidia-vgpu-mgr.service.d/vgpu_unlock.conf", "/run/systemd/system/service.d/zz.conf"],
            u.DropIns.ToArray());
        Assert.Equal(UnitActiveState.Active, u.ActiveState);
        Assert.Equal("running", u.SubState);
        Assert.Equal(1234, u.MainPid);
        Assert.Null(u.MainExitStatus);
        Assert.True(u.Enabled);
    }

    [Fact]
    public void Header_only_is_truncated()
    {
        var r = SystemctlStatusParser.Parse("○ nvidia-vgpud.service - NVIDIA vGPU Daemon\n");
        Assert.True(r.Truncated);
        Assert.Equal("○", Assert.Single(r.Value).Marker);
    }
}
