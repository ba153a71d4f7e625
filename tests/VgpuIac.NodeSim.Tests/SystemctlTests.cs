using VgpuIac.NodeSim;

namespace VgpuIac.NodeSim.Tests;

public sealed class SystemctlTests(SharedNodeFixture fixture) : IClassFixture<SharedNodeFixture>
{
    private const string UnitFile = "[Unit]\nDescription=Demo {0}\n\n[Service]\nType=forking\nExecStart={1}\n\n[Install]\nWantedBy=multi-user.target\n";

    private static async Task WriteUnitAsync(SimulatedNode node, string name, string execStart) =>
        await node.ExecCheckedAsync($"cat > /etc/systemd/system/{name}.service <<'U'\n{string.Format(System.Globalization.CultureInfo.InvariantCulture, UnitFile, name, execStart)}U\n");

    [NodeFact]
    public async Task Unit_lifecycle_enable_start_stop_disable()
    {
        var node = fixture.Require();
        await WriteUnitAsync(node, "life", "/usr/bin/sleep 1000");

        var (_, before, _) = NodeSsh.Run(node, "systemctl is-enabled life; echo rc=$?; systemctl is-active life; echo rc=$?");
        Assert.Equal("disabled\nrc=1\ninactive\nrc=3\n", before);

        var (enableExit, _, enableErr) = NodeSsh.Run(node, "systemctl enable --now life.service");
        Assert.Equal(0, enableExit);
        Assert.Contains("Created symlink /etc/systemd/system/multi-user.target.wants/life.service → /etc/systemd/system/life.service.", enableErr, StringComparison.Ordinal);
        Assert.Equal("/etc/systemd/system/life.service", new FileInfo(Path.Combine(node.UpperDir, "etc/systemd/system/multi-user.target.wants/life.service")).LinkTarget);

        var (statusExit, status, _) = NodeSsh.Run(node, "systemctl status life");
        Assert.Equal(0, statusExit);
        Assert.StartsWith("● life.service - Demo life\n     Loaded: loaded (/etc/systemd/system/life.service; enabled; preset: enabled)\n     Active: active (running) since ", status, StringComparison.Ordinal);

        var (_, stopped, _) = NodeSsh.Run(node, "systemctl stop life; systemctl is-active life; systemctl disable --now life; echo rc=$?; systemctl is-enabled life; systemctl status life >/dev/null; echo status=$?");
        Assert.Equal("inactive\nrc=0\ndisabled\nstatus=3\n", stopped);
    }

    [NodeFact]
    public async Task Missing_binary_fails_and_unknown_units_give_systemd_errors()
    {
        var node = fixture.Require();
        await WriteUnitAsync(node, "broken", "/usr/bin/nvidia-vgpu-mgr-missing");

        var (exit, _, err) = NodeSsh.Run(node, "systemctl start broken");
        Assert.Equal(1, exit);
        Assert.Contains("Job for broken.service failed because the control process exited with error code.", err, StringComparison.Ordinal);

        var (_, output, errors) = NodeSsh.Run(node,
            "systemctl is-failed broken; systemctl is-active broken; echo rc=$?; systemctl status broken | sed -n 1,3p; systemctl start nvidia-bogus; echo rc=$?; systemctl stop nvidia-bogus; echo rc=$?");
        Assert.Contains("failed\nfailed\nrc=3\n× broken.service - Demo broken\n", output, StringComparison.Ordinal);
        Assert.Contains("     Active: failed (Result: exit-code) since ", output, StringComparison.Ordinal);
        Assert.Contains("rc=5\nrc=5\n", output, StringComparison.Ordinal);
        Assert.Contains("Failed to start nvidia-bogus.service: Unit nvidia-bogus.service not found.", errors, StringComparison.Ordinal);
        Assert.Contains("Failed to stop nvidia-bogus.service: Unit nvidia-bogus.service not loaded.", errors, StringComparison.Ordinal);
    }

    [NodeFact]
    public async Task Drop_ins_take_effect_after_daemon_reload_and_show_environment_like_systemd()
    {
        var node = fixture.Require();
        await WriteUnitAsync(node, "vgpu-demo", "/usr/bin/sleep 1000");
        const string Show = "systemctl show vgpu-demo -p Environment,ActiveState,SubState,UnitFileState,LoadState";
        var (_, first, _) = NodeSsh.Run(node, "systemctl start vgpu-demo; " + Show);
        Assert.Equal("Environment=\nLoadState=loaded\nActiveState=active\nSubState=running\nUnitFileState=disabled\n", first);

        await node.ExecCheckedAsync("mkdir -p /etc/systemd/system/vgpu-demo.service.d && printf '[Service]\\nEnvironment=LD_PRELOAD=/opt/vgpu_unlock-rs/target/release/libvgpu_unlock_rs.so\\n' > /etc/systemd/system/vgpu-demo.service.d/vgpu_unlock.conf");
        var (_, stale, _) = NodeSsh.Run(node, "systemctl show vgpu-demo -p Environment --value; systemctl show vgpu-demo -p NeedDaemonReload");
        Assert.Equal("\nNeedDaemonReload=yes\n", stale);

        var (_, fresh, _) = NodeSsh.Run(node, "systemctl daemon-reload && systemctl restart vgpu-demo && systemctl show -p Environment,ActiveState,SubState,UnitFileState,LoadState --value vgpu-demo; systemctl status vgpu-demo | sed -n 3,4p");
        Assert.Equal("LD_PRELOAD=/opt/vgpu_unlock-rs/target/release/libvgpu_unlock_rs.so\nloaded\nactive\nrunning\ndisabled\n" +
                     "    Drop-In: /etc/systemd/system/vgpu-demo.service.d\n             └─vgpu_unlock.conf\n", fresh);
    }

    [NodeFact]
    public async Task Nodesim_daemon_scripts_run_with_the_unit_environment()
    {
        var node = fixture.Require();
        await node.ExecCheckedAsync(
            "printf '#!/bin/bash\\n# uses /usr/lib/nodesim/\\necho \"preload=$LD_PRELOAD\"\\n[ -n \"$LD_PRELOAD\" ]\\n' > /usr/bin/fake-daemon && chmod 755 /usr/bin/fake-daemon");
        await WriteUnitAsync(node, "fake-daemon", "/usr/bin/fake-daemon");
        var (_, output, _) = NodeSsh.Run(node, "systemctl start fake-daemon; systemctl is-active fake-daemon; " +
            "mkdir -p /etc/systemd/system/fake-daemon.service.d; printf '[Service]\\nEnvironment=LD_PRELOAD=/x.so\\n' > /etc/systemd/system/fake-daemon.service.d/p.conf; " +
            "systemctl daemon-reload; systemctl restart fake-daemon; systemctl is-active fake-daemon; systemctl status fake-daemon | tail -n 3");
        Assert.StartsWith("failed\nactive\n", output, StringComparison.Ordinal);
        Assert.Contains("fake-daemon[", output, StringComparison.Ordinal);
        Assert.Contains("preload=/x.so", output, StringComparison.Ordinal);

        var journal = NodeSsh.Run(node, "journalctl -u fake-daemon -n 3 -o cat --no-pager").Out;
        Assert.Equal("preload=/x.so\nStarted Demo fake-daemon.\n", journal[journal.IndexOf("preload=/x.so", StringComparison.Ordinal)..]);
    }

    [NodeFact]
    public async Task Enabled_units_come_back_after_reboot_and_missing_binaries_end_failed()
    {
        await using var node = await SimulatedNode.StartAsync(new NodeOptions { RebootDelay = 0.2 }, CancellationToken.None);
        await WriteUnitAsync(node, "keep", "/usr/bin/sleep 1000");
        await WriteUnitAsync(node, "gone", "/usr/bin/not-there");
        await node.ExecCheckedAsync("systemctl enable keep gone 2>/dev/null; systemctl start keep");
        await node.RebootAsync();
        var (_, output, _) = NodeSsh.Run(node, "systemctl is-active keep gone");
        Assert.Equal("active\nfailed\n", output);
        Assert.Equal(2, node.BootCount);
    }
}
