using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using VgpuIac.NodeSim.Native;
using VgpuIac.NodeSim.Sandbox;

namespace VgpuIac.NodeSim;

/// <summary>A simulated Proxmox VE node: a real OpenSSH sshd inside private mount/pid/uts namespaces whose root is
/// an overlay of the host's <c>/</c> with a per-node upper directory, plus stateful shims (see CONVENTIONS.md).</summary>
public sealed class SimulatedNode : IAsyncDisposable
{
    private const string CommandLogPath = "var/lib/nodesim/commands.log";
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>Once per process: stops nodes whose owning process died without disposing them (a crashed test run).</summary>
    private static readonly Lazy<Task> StaleSandboxes = new(() => Task.Run(NodeSandbox.CleanUpStale));

    private readonly NodeSandbox _sandbox;
    private readonly Process _unshare;
    private int _faultCounter;
    private int _disposed;

    private SimulatedNode(NodeOptions options, NodeSandbox sandbox, Process unshare, int port, int initPid)
    {
        Options = options;
        _sandbox = sandbox;
        _unshare = unshare;
        Port = port;
        InitPid = initPid;
        PrivateKeyPem = File.ReadAllText(sandbox.ClientKeyPath);
        HostPublicKey = sandbox.HostPublicKeyLine;
        HostKeySha256 = Fingerprint(sandbox.HostPublicKeyLine);
    }

    public NodeOptions Options { get; }

    public string Host => "127.0.0.1";

    public int Port { get; }

    public string User => "root";

    /// <summary>OpenSSH-format ed25519 private key file of the client (root) key.</summary>
    public string PrivateKeyPath => _sandbox.ClientKeyPath;

    public string PrivateKeyPem { get; }

    /// <summary>The host key's fingerprint in OpenSSH form, <c>SHA256:&lt;base64 without padding&gt;</c>.</summary>
    public string HostKeySha256 { get; }

    /// <summary>The host public key line, e.g. <c>ssh-ed25519 AAAA... nodesim-host</c>.</summary>
    public string HostPublicKey { get; }

    /// <summary>A known_hosts line for this node (<c>[127.0.0.1]:PORT ssh-ed25519 AAAA...</c>).</summary>
    public string KnownHostsLine => $"[{Host}]:{Port.ToString(CultureInfo.InvariantCulture)} {string.Join(' ', HostPublicKey.Split(' ').Take(2))}";

    /// <summary>Everything the node wrote (the overlay's upper directory). Read it freely; do not write to it while
    /// the node runs (the node does not see such writes; use <see cref="ExecAsync"/>).</summary>
    public string UpperDir => _sandbox.Upper.UpperDir;

    public string SandboxDir => _sandbox.Dir;

    /// <summary>Host PID of the node's init (PID 1 inside the node).</summary>
    public int InitPid { get; }

    /// <summary>How many times the node booted (1 after start).</summary>
    public int BootCount =>
        int.TryParse(ReadUpperOrNull("var/lib/nodesim/boot_count")?.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;

    /// <summary>Starts a node and waits until sshd answers with its banner.</summary>
    public static async Task<SimulatedNode> StartAsync(NodeOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var why = NodeHostRequirements.WhyUnavailable();
        if (why is not null)
        {
            throw new NodeSimUnavailableException("Cannot start a simulated node: " + why);
        }

        StaleSandboxes.Value.Wait(ct);
        var sandbox = await NodeSandbox.CreateAsync(options, ct).ConfigureAwait(false);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var port = LoopbackPorts.Reserve();
                sandbox.WriteInitEnv(port, options);
                var unshare = StartUnshare(sandbox);
                await File.WriteAllTextAsync(Path.Combine(sandbox.Dir, "unshare.pid"), unshare.Id.ToString(CultureInfo.InvariantCulture), ct).ConfigureAwait(false);
                var started = await WaitForBannerOrExitAsync(unshare, port, options.StartTimeout, ct).ConfigureAwait(false);
                if (started)
                {
                    var initPid = ReadInitPid(sandbox, unshare);
                    return new SimulatedNode(options, sandbox, unshare, port, initPid);
                }

                var logs = ReadLogs(sandbox);
                await KillAsync(unshare, sandbox).ConfigureAwait(false);
                if (attempt < 3 && logs.Contains("Address already in use", StringComparison.Ordinal))
                {
                    continue;
                }

                throw new NodeSimUnavailableException($"The simulated node did not come up on port {port}.\n{logs}");
            }
        }
        catch
        {
            sandbox.Delete();
            throw;
        }
    }

    /// <summary>Runs a bash script inside the node (its mount, pid and uts namespaces, chrooted to its root) without
    /// SSH: not logged as an exec, and shims it calls neither log nor apply fault rules (NODESIM_INTERNAL=1).</summary>
    public async Task<NodeCommandResult> ExecAsync(string bashScript, CancellationToken ct = default, string? standardInput = null)
    {
        ArgumentNullException.ThrowIfNull(bashScript);
        var psi = new ProcessStartInfo("/usr/bin/nsenter")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in new[]
                 {
                     "--target", InitPid.ToString(CultureInfo.InvariantCulture), "--mount", "--uts", "--pid", "--",
                     "/usr/sbin/chroot", Path.Combine(SandboxDir, "merged"), "/bin/bash", "-c", bashScript,
                 })
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment.Clear();
        psi.Environment["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        psi.Environment["HOME"] = "/root";
        psi.Environment["LANG"] = "C.UTF-8";
        psi.Environment["USER"] = "root";
        psi.Environment["NODESIM_INTERNAL"] = "1";

        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start nsenter");
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        if (standardInput is not null)
        {
            await p.StandardInput.WriteAsync(standardInput.AsMemory(), ct).ConfigureAwait(false);
        }

        p.StandardInput.Close();
        try
        {
            await p.WaitForExitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw;
        }

        return new NodeCommandResult(p.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }

    /// <summary>Like <see cref="ExecAsync"/> but throws when the script fails.</summary>
    public async Task<string> ExecCheckedAsync(string bashScript, CancellationToken ct = default)
    {
        var r = await ExecAsync(bashScript, ct).ConfigureAwait(false);
        if (r.ExitCode != 0)
        {
            throw new InvalidOperationException($"node script failed ({r.ExitCode}): {bashScript}\n{r.StandardError}");
        }

        return r.StandardOutput;
    }

    /// <summary>Reads a file of the node from the host through the upper layer (null when the node never wrote it).</summary>
    public string? ReadUpperOrNull(string nodePath)
    {
        var path = Path.Combine(UpperDir, nodePath.TrimStart('/'));
        return File.Exists(path) ? File.ReadAllText(path) : null;
    }

    /// <summary>The command log entries from index <paramref name="fromIndex"/> on (a value of <see cref="CommandLogMarkAsync"/>).</summary>
    public async Task<IReadOnlyList<CommandLogEntry>> ReadCommandLogAsync(int fromIndex = 0, CancellationToken ct = default)
    {
        var path = Path.Combine(UpperDir, CommandLogPath);
        var text = File.Exists(path) ? await File.ReadAllTextAsync(path, ct).ConfigureAwait(false) : "";
        return CommandLog.Parse(text).Where(e => e.Index >= fromIndex).ToList();
    }

    /// <summary>The index the next command log entry will get; pass it to <see cref="ReadCommandLogAsync"/>.</summary>
    public async Task<int> CommandLogMarkAsync(CancellationToken ct = default)
    {
        var path = Path.Combine(UpperDir, CommandLogPath);
        var text = File.Exists(path) ? await File.ReadAllTextAsync(path, ct).ConfigureAwait(false) : "";
        return text.Split('\n').Count(l => l.Length > 0);
    }

    /// <summary>
    /// Chooses, before VM <paramref name="vmid"/> exists or starts, the port and host key its guest's sshd will use
    /// (written to <c>/etc/nodesim/guest-ssh/VMID/</c>), so a test can configure SSH to a guest that the code under test
    /// creates. The key is fresh (ed25519); the port is free now.
    /// </summary>
    public async Task<GuestSshEndpoint> PrepareGuestSshAsync(long vmid, CancellationToken ct = default)
    {
        var id = vmid.ToString(CultureInfo.InvariantCulture);
        var port = LoopbackPorts.Reserve();
        var pub = await ExecCheckedAsync(
            $"d=/etc/nodesim/guest-ssh/{id}; mkdir -p $d && rm -f $d/ssh_host_ed25519_key $d/ssh_host_ed25519_key.pub && " +
            $"ssh-keygen -q -t ed25519 -N '' -C root@vm{id} -f $d/ssh_host_ed25519_key </dev/null >/dev/null && echo {port.ToString(CultureInfo.InvariantCulture)} > $d/port && cat $d/ssh_host_ed25519_key.pub",
            ct).ConfigureAwait(false);
        return new GuestSshEndpoint(vmid, Host, port, User, PrivateKeyPath, Fingerprint(pub.Trim()));
    }

    /// <summary>The SSH endpoint of the running VM <paramref name="vmid"/>'s guest; null while its sshd is down (VM stopped, guest rebooting).</summary>
    public async Task<GuestSshEndpoint?> GuestSshAsync(long vmid, CancellationToken ct = default)
    {
        var r = await ExecAsync($"cat /run/nodesim/qm/{vmid.ToString(CultureInfo.InvariantCulture)}.ssh/endpoint.env", ct).ConfigureAwait(false);
        if (!r.Succeeded)
        {
            return null;
        }

        var values = r.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        return new GuestSshEndpoint(vmid, values["GUEST_SSH_HOST"], int.Parse(values["GUEST_SSH_PORT"], CultureInfo.InvariantCulture), User, PrivateKeyPath, values["GUEST_SSH_HOST_KEY_SHA256"]);
    }

    /// <summary>The command log of VM <paramref name="vmid"/>'s guest (its own <c>/var/lib/nodesim/commands.log</c>) from <paramref name="fromIndex"/> on.</summary>
    public async Task<IReadOnlyList<CommandLogEntry>> ReadGuestCommandLogAsync(long vmid, int fromIndex = 0, CancellationToken ct = default)
    {
        var path = Path.Combine(UpperDir, "var/lib/nodesim/guests", vmid.ToString(CultureInfo.InvariantCulture), "root", CommandLogPath);
        var text = File.Exists(path) ? await File.ReadAllTextAsync(path, ct).ConfigureAwait(false) : "";
        return CommandLog.Parse(text).Where(e => e.Index >= fromIndex).ToList();
    }

    /// <summary>Empties the command log.</summary>
    public Task ClearCommandLogAsync(CancellationToken ct = default) =>
        ExecCheckedAsync(": > /var/lib/nodesim/commands.log", ct);

    /// <summary>Sets how many seconds the SSH port stays closed during the next reboots.</summary>
    public Task SetRebootDelayAsync(double seconds, CancellationToken ct = default) =>
        ExecCheckedAsync($"echo {seconds.ToString(CultureInfo.InvariantCulture)} > /etc/nodesim/reboot_delay", ct);

    /// <summary>Makes the next SSH exec or shim call whose text matches <paramref name="pattern"/> (extended regex)
    /// fail with <paramref name="exitCode"/> and <paramref name="stderr"/>. Returns the rule id.</summary>
    public Task<string> FailNextAsync(string pattern, int exitCode = 1, string stderr = "", bool once = true, CancellationToken ct = default) =>
        AddFaultAsync(pattern, "fail", exitCode, stderr, 0, once, ct);

    /// <summary>Delays matching execs / shim calls by <paramref name="seconds"/> (every time unless <paramref name="once"/>).</summary>
    public Task<string> DelayAsync(string pattern, double seconds, bool once = false, CancellationToken ct = default) =>
        AddFaultAsync(pattern, "delay", 0, "", seconds, once, ct);

    /// <summary>Drops the SSH connection of the next matching exec / shim call (after <paramref name="afterSeconds"/>).</summary>
    public Task<string> DropConnectionAsync(string pattern, double afterSeconds = 0, bool once = true, CancellationToken ct = default) =>
        AddFaultAsync(pattern, "drop", 255, "", afterSeconds, once, ct);

    /// <summary>
    /// Holds the next matching exec / shim call before it runs until <see cref="ReleaseAsync"/> (an event-driven "long
    /// command", e.g. an installer a test kills the provider under). Returns the rule id; <see cref="IsHeldAsync"/> says
    /// when a call is being held.
    /// </summary>
    public Task<string> HoldAsync(string pattern, bool once = true, CancellationToken ct = default) =>
        AddFaultAsync(pattern, "hold", 0, "", 0, once, ct);

    /// <summary>True once a call matching the hold rule <paramref name="id"/> is being held (or was).</summary>
    public async Task<bool> IsHeldAsync(string id, CancellationToken ct = default) =>
        (await ExecAsync($"test -e /etc/nodesim/holds/{id}.held", ct).ConfigureAwait(false)).ExitCode == 0;

    /// <summary>Lets the calls held by the hold rule <paramref name="id"/> run (and later ones pass).</summary>
    public Task ReleaseAsync(string id, CancellationToken ct = default) =>
        ExecCheckedAsync($"mkdir -p /etc/nodesim/holds && touch /etc/nodesim/holds/{id}.released", ct);

    /// <summary>Removes a fault rule (or all of them when <paramref name="id"/> is null).</summary>
    public Task ClearFaultsAsync(string? id = null, CancellationToken ct = default) =>
        ExecCheckedAsync(id is null ? "rm -f /etc/nodesim/faults/*" : "rm -f /etc/nodesim/faults/" + id, ct);

    /// <summary>The next reboot never brings sshd back, until this is called with <paramref name="never"/> false: then a
    /// node that is down after such a reboot comes back (sshd starts), as a slow boot would.</summary>
    public Task RebootNeverReturnsAsync(bool never = true, CancellationToken ct = default) =>
        ExecCheckedAsync(never ? "touch /etc/nodesim/reboot_never" : "rm -f /etc/nodesim/reboot_never", ct);

    /// <summary>Fills (or frees) the node's disk: while full, writes inside the node fail with the real ENOSPC
    /// ("No space left on device"). The upper layer's tmpfs is shrunk to what it already holds.</summary>
    public async Task DiskFullAsync(bool full, CancellationToken ct = default)
    {
        if (full)
        {
            await ExecCheckedAsync("touch /etc/nodesim/disk_full", ct).ConfigureAwait(false);
            if (_sandbox.FsIsTmpfs)
            {
                var drive = new DriveInfo(_sandbox.FsDir);
                var used = Math.Max(drive.TotalSize - drive.AvailableFreeSpace, 4096);
                _sandbox.ResizeFs(used.ToString(CultureInfo.InvariantCulture));
            }
        }
        else
        {
            if (_sandbox.FsIsTmpfs)
            {
                _sandbox.ResizeFs(NodeSandbox.FsSize);
            }

            await ExecCheckedAsync("rm -f /etc/nodesim/disk_full", ct).ConfigureAwait(false);
        }
    }

    /// <summary>Reboots the node like the reboot shim does and (by default) waits until sshd is back.</summary>
    public async Task RebootAsync(bool waitForSsh = true, CancellationToken ct = default)
    {
        var before = BootCount;
        // The node's init kills every process of the node when it reboots, the requesting script included: when it
        // wins that race the script ends with SIGKILL (137). That is the reboot working, not failing.
        var request = await ExecAsync("/usr/lib/nodesim/request-reboot.sh", ct).ConfigureAwait(false);
        if (request.ExitCode is not 0 and not 137)
        {
            throw new InvalidOperationException($"node reboot request failed ({request.ExitCode}): {request.StandardError}");
        }

        var timeout = TimeSpan.FromSeconds(30) + TimeSpan.FromSeconds(Math.Max(Options.RebootDelay, 0));
        var sw = Stopwatch.StartNew();
        while (BootCount <= before)
        {
            if (sw.Elapsed > timeout)
            {
                throw new TimeoutException($"node did not reboot within {timeout}");
            }

            await Task.Delay(ProbeInterval, ct).ConfigureAwait(false);
        }

        if (waitForSsh && !File.Exists(Path.Combine(UpperDir, "etc/nodesim/reboot_never")))
        {
            await WaitForSshAsync(TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
        }
    }

    /// <summary>Waits until sshd answers with its banner.</summary>
    public async Task WaitForSshAsync(TimeSpan timeout, CancellationToken ct = default)
    {
        var sw = Stopwatch.StartNew();
        while (!await BannerAsync(Port, ct).ConfigureAwait(false))
        {
            if (sw.Elapsed > timeout)
            {
                throw new TimeoutException($"sshd of node {Options.Hostname} did not answer on port {Port} within {timeout}");
            }

            await Task.Delay(ProbeInterval, ct).ConfigureAwait(false);
        }
    }

    /// <summary>True when the port answers with an SSH banner right now.</summary>
    public Task<bool> IsSshUpAsync(CancellationToken ct = default) => BannerAsync(Port, ct);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await KillAsync(_unshare, _sandbox).ConfigureAwait(false);
        _sandbox.Delete();
        _unshare.Dispose();
    }

    private async Task<string> AddFaultAsync(string pattern, string action, int exitCode, string stderr, double delay, bool once, CancellationToken ct)
    {
        var id = $"f{Interlocked.Increment(ref _faultCounter).ToString(CultureInfo.InvariantCulture)}-{action}";
        var body = $"MATCH={NodeSandbox.Quote(pattern)}\nACTION={action}\nEXIT={exitCode.ToString(CultureInfo.InvariantCulture)}\n" +
                   $"STDERR={NodeSandbox.Quote(stderr)}\nDELAY={delay.ToString(CultureInfo.InvariantCulture)}\nONCE={(once ? 1 : 0).ToString(CultureInfo.InvariantCulture)}\n";
        var r = await ExecAsync($"mkdir -p /etc/nodesim/faults && cat > /etc/nodesim/faults/{id}.tmp && mv /etc/nodesim/faults/{id}.tmp /etc/nodesim/faults/{id}", ct, body)
            .ConfigureAwait(false);
        if (r.ExitCode != 0)
        {
            throw new InvalidOperationException("cannot write fault rule: " + r.StandardError);
        }

        return id;
    }

    private static Process StartUnshare(NodeSandbox sandbox)
    {
        var psi = new ProcessStartInfo("/usr/bin/unshare")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in new[]
                 {
                     "--mount", "--pid", "--uts", "--fork", "--kill-child", "--propagation", "private",
                     Path.Combine(sandbox.Dir, "node-init.sh"), sandbox.Dir,
                 })
        {
            psi.ArgumentList.Add(a);
        }

        File.Copy(Path.Combine(NodeSandbox.NodeFilesDir, "node-init.sh"), Path.Combine(sandbox.Dir, "node-init.sh"), overwrite: true);
        File.SetUnixFileMode(Path.Combine(sandbox.Dir, "node-init.sh"), UpperLayer.Mode755);
        psi.Environment.Clear();
        psi.Environment["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin";
        psi.Environment["LANG"] = "C.UTF-8";
        // The node's own output goes to SANDBOX/log; unshare's (errors only) is appended to init.log. Never inherit
        // the caller's stdio: the node's processes would keep a test runner's or a terminal's pipes open.
        var p = Process.Start(psi) ?? throw new NodeSimUnavailableException("cannot start unshare");
        var initLog = Path.Combine(sandbox.Dir, "log", "unshare.log");
        p.OutputDataReceived += (_, e) => AppendLine(initLog, e.Data);
        p.ErrorDataReceived += (_, e) => AppendLine(initLog, e.Data);
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        p.StandardInput.Close();
        return p;
    }

    private static async Task<bool> WaitForBannerOrExitAsync(Process unshare, int port, TimeSpan timeout, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            if (unshare.HasExited)
            {
                return false;
            }

            if (await BannerAsync(port, ct).ConfigureAwait(false))
            {
                return true;
            }

            await Task.Delay(ProbeInterval, ct).ConfigureAwait(false);
        }

        return false;
    }

    private static async Task<bool> BannerAsync(int port, CancellationToken ct)
    {
        using var client = new TcpClient();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token).ConfigureAwait(false);
            var stream = client.GetStream();
            var buffer = new byte[8];
            var read = 0;
            while (read < buffer.Length)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(read), timeout.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    return false;
                }

                read += n;
            }

            return Encoding.ASCII.GetString(buffer) == "SSH-2.0-";
        }
        catch (SocketException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return false;
        }
    }

    private static int ReadInitPid(NodeSandbox sandbox, Process unshare)
    {
        var unshareId = unshare.Id.ToString(CultureInfo.InvariantCulture);
        var childrenFile = $"/proc/{unshareId}/task/{unshareId}/children";
        if (File.Exists(childrenFile))
        {
            var children = File.ReadAllText(childrenFile).Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (children.Length > 0)
            {
                return int.Parse(children[0], CultureInfo.InvariantCulture);
            }
        }

        var file = Path.Combine(sandbox.Dir, "init.hostpid");
        return File.Exists(file) && int.TryParse(File.ReadAllText(file).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) ? pid : 0;
    }

    private static bool IsAlive(int pid)
    {
        var stat = $"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat";
        try
        {
            var text = File.ReadAllText(stat);
            return !text[(text.LastIndexOf(')') + 1)..].TrimStart().StartsWith('Z');
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>TERMs the node's init (unshare ignores TERM while waiting); when the init is gone the kernel kills
    /// the whole pid namespace. SIGKILLs unshare (and so, by --kill-child, the init) as a fallback.</summary>
    private static async Task KillAsync(Process unshare, NodeSandbox sandbox)
    {
        if (unshare.HasExited)
        {
            return;
        }

        int initPid;
        try
        {
            initPid = ReadInitPid(sandbox, unshare);
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
        {
            initPid = 0;
        }

        if (initPid > 0 && IsAlive(initPid))
        {
            _ = LibC.Kill(initPid, LibC.SigTerm);
            var sw = Stopwatch.StartNew();
            while (IsAlive(initPid) && sw.ElapsedMilliseconds < 3000 && !unshare.HasExited)
            {
                await Task.Delay(10).ConfigureAwait(false);
            }
        }

        if (!unshare.HasExited && (initPid <= 0 || IsAlive(initPid)))
        {
            try
            {
                unshare.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }

            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await unshare.WaitForExitAsync(wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private static void AppendLine(string path, string? line)
    {
        if (line is null)
        {
            return;
        }

        try
        {
            File.AppendAllText(path, line + "\n");
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static string ReadLogs(NodeSandbox sandbox)
    {
        var sb = new StringBuilder();
        foreach (var name in new[] { "unshare.log", "init.log", "boot.log", "sshd.log" })
        {
            var path = Path.Combine(sandbox.Dir, "log", name);
            if (File.Exists(path))
            {
                var text = File.ReadAllText(path);
                sb.Append("--- ").Append(name).Append('\n').Append(text.Length > 4000 ? text[^4000..] : text).Append('\n');
            }
        }

        return sb.ToString();
    }

    /// <summary>OpenSSH fingerprint of a public key line: <c>SHA256:</c> + unpadded base64 of SHA-256 of the key blob.</summary>
    public static string Fingerprint(string publicKeyLine)
    {
        ArgumentNullException.ThrowIfNull(publicKeyLine);
        var blob = Convert.FromBase64String(publicKeyLine.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        return "SHA256:" + Convert.ToBase64String(SHA256.HashData(blob)).TrimEnd('=');
    }
}
