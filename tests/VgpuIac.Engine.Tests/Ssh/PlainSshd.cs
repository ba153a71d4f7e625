using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using VgpuIac.Engine.Nodes;
using VgpuIac.Engine.Tests.Support;
using VgpuIac.NodeSim;

namespace VgpuIac.Engine.Tests.Ssh;

/// <summary>
/// A real OpenSSH sshd on 127.0.0.1 with its own config and keys in a temp folder (node-sim.md §1.0), run in a private
/// mount namespace that gives it a fresh /run, a clean /root/.bashrc (the host's is slow), a 1 MiB tmpfs at
/// <see cref="SmallDir"/> (for disk-full tests) and, when asked, a throw-away password user that exists only there.
/// </summary>
internal sealed class PlainSshd : IAsyncDisposable
{
    public const string PasswordUser = "vgpuiactest";

    private Process? _process;

    private PlainSshd(string dir, int port, bool allowPassword)
    {
        Dir = dir;
        Port = port;
        AllowPassword = allowPassword;
    }

    public string Dir { get; }

    public int Port { get; }

    public bool AllowPassword { get; }

    public string Host => "127.0.0.1";

    public string ClientKeyPath => Path.Combine(Dir, "client");

    public string ClientKeyPem => File.ReadAllText(ClientKeyPath);

    public string HostPublicKeyLine => File.ReadAllText(Path.Combine(Dir, "hostkey.pub")).Trim();

    public byte[] HostKeyBlob => Convert.FromBase64String(HostPublicKeyLine.Split(' ')[1]);

    public string HostKeySha256 => "SHA256:" + Convert.ToBase64String(SHA256.HashData(HostKeyBlob)).TrimEnd('=');

    public string LogPath => Path.Combine(Dir, "sshd.log");

    /// <summary>A 1 MiB tmpfs, visible only to the sshd's sessions.</summary>
    public string SmallDir => Path.Combine(Dir, "small");

    /// <summary>The password of <see cref="PasswordUser"/> (exists only inside the sshd's namespace).</summary>
    public string Password { get; } = "pw-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8));

    /// <summary>Why these tests cannot run here, or null.</summary>
    public static string? Unavailable()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "needs Linux";
        }

        if (Environment.UserName != "root")
        {
            return "needs root (mount namespaces for sshd's /run)";
        }

        return File.Exists("/usr/sbin/sshd") ? null : "needs openssh-server (/usr/sbin/sshd)";
    }

    public static async Task<PlainSshd> StartAsync(bool allowPassword = false, string maxSessions = "10")
    {
        var dir = Path.Combine(Path.GetTempPath(), "vgpuiac-sshd-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        Directory.CreateDirectory(Path.Combine(dir, "small"));
        Directory.CreateDirectory(Path.Combine(dir, "home"));
        await Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "host", "-f", Path.Combine(dir, "hostkey"));
        await Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "client", "-f", Path.Combine(dir, "client"));
        File.Copy(Path.Combine(dir, "client.pub"), Path.Combine(dir, "authorized_keys"));
        File.WriteAllText(Path.Combine(dir, "bashrc"), "# clean test .bashrc\n");
        var sshd = new PlainSshd(dir, LoopbackPorts.Reserve(), allowPassword);
        if (allowPassword)
        {
            var hash = (await Run("openssl", "passwd", "-6", sshd.Password)).Trim();
            File.WriteAllText(Path.Combine(dir, "passwd"), File.ReadAllText("/etc/passwd") + $"{PasswordUser}:x:64123:64123::{dir}/home:/bin/sh\n");
            File.WriteAllText(Path.Combine(dir, "shadow"), File.ReadAllText("/etc/shadow") + $"{PasswordUser}:{hash}:20000:0:99999:7:::\n");
        }

        File.WriteAllText(Path.Combine(dir, "sshd_config"), $"""
            Port {sshd.Port}
            ListenAddress 127.0.0.1
            HostKey {dir}/hostkey
            PidFile {dir}/sshd.pid
            AuthorizedKeysFile {dir}/authorized_keys
            PubkeyAuthentication yes
            PasswordAuthentication {(allowPassword ? "yes" : "no")}
            KbdInteractiveAuthentication no
            UsePAM no
            PermitRootLogin prohibit-password
            StrictModes no
            UseDNS no
            MaxSessions {maxSessions}
            MaxStartups 100
            Subsystem sftp internal-sftp
            LogLevel VERBOSE

            """);
        await sshd.StartProcessAsync();
        return sshd;
    }

    /// <summary>Starts sshd (again) on the same port with the same keys.</summary>
    public async Task StartProcessAsync()
    {
        var script = new StringBuilder();
        script.Append("set -e; mount -t tmpfs -o mode=755 tmpfs /run; mkdir -m 755 /run/sshd; ");
        script.Append(CultureInfo.InvariantCulture, $"mount -t tmpfs -o size=1m,mode=777 tmpfs '{SmallDir}'; ");
        script.Append(CultureInfo.InvariantCulture, $"[ -f /root/.bashrc ] && mount --bind '{Dir}/bashrc' /root/.bashrc; ");
        if (AllowPassword)
        {
            script.Append(CultureInfo.InvariantCulture, $"mount --bind '{Dir}/passwd' /etc/passwd; mount --bind '{Dir}/shadow' /etc/shadow; ");
        }

        script.Append(CultureInfo.InvariantCulture, $"exec /usr/sbin/sshd -D -e -f '{Dir}/sshd_config' 2>>'{LogPath}'");
        var psi = new ProcessStartInfo("/usr/bin/unshare") { RedirectStandardInput = true };
        foreach (var a in new[] { "--mount", "--propagation", "private", "/bin/sh", "-c", script.ToString() })
        {
            psi.ArgumentList.Add(a);
        }

        _process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start unshare");
        var sw = Stopwatch.StartNew();
        while (!await BannerAsync())
        {
            if (_process.HasExited || sw.Elapsed > TimeSpan.FromSeconds(20))
            {
                throw new InvalidOperationException($"sshd did not come up on {Port}: {(File.Exists(LogPath) ? File.ReadAllText(LogPath) : "no log")}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Kills sshd and every session it has (connections drop, the port refuses).</summary>
    public async Task StopProcessAsync()
    {
        if (_process is { HasExited: false } p)
        {
            var pid = File.Exists(Path.Combine(Dir, "sshd.pid")) ? File.ReadAllText(Path.Combine(Dir, "sshd.pid")).Trim() : null;
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
            if (pid is not null)
            {
                // The sessions are children of the listener; the process tree kill reached them.
                _ = pid;
            }
        }

        _process = null;
    }

    /// <summary>How many SSH connections sshd accepted so far (from its log).</summary>
    public int AcceptedConnections =>
        File.Exists(LogPath) ? File.ReadAllLines(LogPath).Count(l => l.Contains("Accepted ", StringComparison.Ordinal)) : 0;

    public NodeSettings Settings(string name = "n1") => new()
    {
        Name = name,
        Host = Host,
        Port = Port,
        User = "root",
        PrivateKeyFile = ClientKeyPath,
        HostKeySha256 = HostKeySha256["SHA256:".Length..],
        ConnectTimeout = TimeSpan.FromSeconds(10),
    };

    public async ValueTask DisposeAsync()
    {
        await StopProcessAsync();
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public async Task<bool> BannerAsync()
    {
        try
        {
            using var client = new TcpClient();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await client.ConnectAsync(IPAddress.Loopback, Port, cts.Token);
            var buffer = new byte[8];
            var read = 0;
            var stream = client.GetStream();
            while (read < 8)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(read), cts.Token);
                if (n == 0)
                {
                    return false;
                }

                read += n;
            }

            return Encoding.ASCII.GetString(buffer) == "SSH-2.0-";
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or IOException)
        {
            return false;
        }
    }

    private static async Task<string> Run(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {program}");
        var output = await p.StandardOutput.ReadToEndAsync();
        var error = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return p.ExitCode == 0 ? output : throw new InvalidOperationException($"{program} failed: {error}");
    }
}
