using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using VgpuIac.NodeSim.Native;

namespace VgpuIac.NodeSim.Sandbox;

/// <summary>Prepares a node's sandbox directory: tmpfs-backed upper layer, keys, sshd config, shims, identity,
/// PVE skeleton. Everything is written from C# (no bash) to keep start-up fast.</summary>
internal sealed class NodeSandbox
{
    private const string Sbin = "/usr/sbin/";

    private NodeSandbox(string dir)
    {
        Dir = dir;
        Upper = new UpperLayer(Path.Combine(dir, "fs", "upper"));
    }

    public string Dir { get; }

    public UpperLayer Upper { get; }

    public string FsDir => Path.Combine(Dir, "fs");

    public string ClientKeyPath => Path.Combine(Dir, "keys", "client");

    public const string FsSize = "4g";

    public bool FsIsTmpfs { get; private set; }

    /// <summary>Changes the size limit of the upper layer's tmpfs (a superblock setting: the node sees it at once).</summary>
    public void ResizeFs(string size)
    {
        if (LibC.Mount("nodesim-fs", FsDir, "tmpfs", LibC.MsRemount, "size=" + size) != 0)
        {
            throw new InvalidOperationException($"cannot resize the node's tmpfs to {size} (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()})");
        }
    }

    public string HostPublicKeyLine { get; private set; } = "";

    public string ClientPublicKeyLine { get; private set; } = "";

    /// <summary>Where the node's source files (node-init.sh, shims, ...) live next to this assembly.</summary>
    public static string NodeFilesDir =>
        Path.Combine(Path.GetDirectoryName(typeof(NodeSandbox).Assembly.Location) ?? AppContext.BaseDirectory, "node");

    public static async Task<NodeSandbox> CreateAsync(NodeOptions options, CancellationToken ct)
    {
        var root = options.SandboxRoot ?? Path.GetTempPath();
        var dir = Path.Combine(root, "nodesim-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5)));
        var sandbox = new NodeSandbox(dir);
        await sandbox.PrepareAsync(options, ct).ConfigureAwait(false);
        return sandbox;
    }

    private async Task PrepareAsync(NodeOptions options, CancellationToken ct)
    {
        Directory.CreateDirectory(Dir);
        File.WriteAllText(Path.Combine(Dir, "owner.pid"), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        foreach (var sub in new[] { "fs", "merged", "log", "keys", "sys" })
        {
            Directory.CreateDirectory(Path.Combine(Dir, sub));
        }

        // The upper layer lives on its own tmpfs so DiskFull can make the node's writes fail with ENOSPC.
        FsIsTmpfs = LibC.Mount("nodesim-fs", FsDir, "tmpfs", 0, "size=" + FsSize + ",mode=0755") == 0;
        Directory.CreateDirectory(Upper.UpperDir);
        Directory.CreateDirectory(Path.Combine(FsDir, "work"));

        var hostKey = Upper.Map("/etc/nodesim/ssh_host_ed25519_key");
        Directory.CreateDirectory(Path.GetDirectoryName(hostKey)!);
        var keygenHost = RunKeygenAsync(hostKey, "nodesim-host", ct);
        var keygenClient = RunKeygenAsync(ClientKeyPath, "nodesim-client", ct);

        WriteIdentity(options);
        InstallNodeFiles();
        WriteSkeleton(options);
        WriteBootConfiguration(options);

        await Task.WhenAll(keygenHost, keygenClient).ConfigureAwait(false);
        HostPublicKeyLine = (await File.ReadAllTextAsync(hostKey + ".pub", ct).ConfigureAwait(false)).Trim();
        ClientPublicKeyLine = (await File.ReadAllTextAsync(ClientKeyPath + ".pub", ct).ConfigureAwait(false)).Trim();
        Upper.Directory("/root/.ssh", UpperLayer.Mode700);
        Upper.Write("/root/.ssh/authorized_keys", ClientPublicKeyLine + "\n", UpperLayer.Mode600);

        foreach (var (path, file) in options.Preseed)
        {
            Upper.Write(path.StartsWith('/') ? path : "/" + path, file.Content, file.Mode);
        }
    }

    public void WriteInitEnv(int port, NodeOptions options)
    {
        var hide = new List<string>();
        var repo = FindRepositoryRoot();
        if (repo is not null)
        {
            hide.Add(repo);
        }

        var sandboxRoot = Path.GetFullPath(Path.GetDirectoryName(Dir)!).TrimEnd('/');
        if (sandboxRoot != "/tmp" && !sandboxRoot.StartsWith("/tmp/", StringComparison.Ordinal))
        {
            hide.Add(sandboxRoot);
        }

        var sb = new StringBuilder();
        sb.Append("NODESIM_PORT=").Append(port.ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append("NODESIM_HOSTNAME=").Append(Quote(options.Hostname)).Append('\n');
        sb.Append("NODESIM_HIDE=").Append(Quote(string.Join('\n', hide))).Append('\n');
        File.WriteAllText(Path.Combine(Dir, "init.env"), sb.ToString());
        Upper.Write("/etc/nodesim/sshd_config", SshdConfig(port));
    }

    /// <summary>The node's sshd configuration, from the template the guests' sshd uses too (node/lib/sshd_config.template).</summary>
    private static string SshdConfig(int port) =>
        File.ReadAllText(Path.Combine(NodeFilesDir, "lib", "sshd_config.template"))
            .Replace("@PORT@", port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("@HOST_KEY@", "/etc/nodesim/ssh_host_ed25519_key", StringComparison.Ordinal)
            .Replace("@PID_FILE@", "none", StringComparison.Ordinal)
            .Replace("@AUTHORIZED_KEYS@", ".ssh/authorized_keys", StringComparison.Ordinal)
            .Replace("@FORCE_COMMAND@", "/usr/lib/nodesim/session.sh", StringComparison.Ordinal);

    private void WriteIdentity(NodeOptions options)
    {
        var kernels = options.EffectiveKernels;
        var sb = new StringBuilder();
        void Line(string key, string value) => sb.Append(key).Append('=').Append(Quote(value)).Append('\n');
        Line("NODESIM_HOSTNAME", options.Hostname);
        Line("NODESIM_PVE_VERSION", options.PveVersion);
        Line("NODESIM_PVE_MANAGER", $"pve-manager/{options.PveVersion}/{PveManagerHash(options.PveVersion)}");
        Line("NODESIM_KERNEL", options.RunningKernel);
        Line("NODESIM_KERNELS", string.Join(' ', kernels.Contains(options.RunningKernel) ? kernels : [options.RunningKernel, .. kernels]));
        Line("NODESIM_HEADERS", string.Join(' ', options.EffectiveHeaderPackages));
        Line("NODESIM_IOMMU", options.IommuEnabled ? "1" : "0");
        Line("NODESIM_SECUREBOOT", options.SecureBoot ? "1" : "0");
        Line("NODESIM_UEFI", options.Uefi || options.SecureBoot ? "1" : "0");
        Line("NODESIM_REBOOT_DELAY", options.RebootDelay.ToString(CultureInfo.InvariantCulture));
        Upper.Write("/etc/nodesim/identity.env", sb.ToString());
        // always written, so a node never inherits the host machine's locale
        Upper.Write("/etc/default/locale", options.Locale is { } locale ? $"LANG={locale}\n" : "# no locale configured: C\n");

        var gpuDir = Path.Combine(NodeFilesDir, "gpus");
        foreach (var gpu in options.Gpus)
        {
            var modelFile = Path.Combine(gpuDir, gpu.Model + ".env");
            if (!File.Exists(modelFile))
            {
                var known = Directory.GetFiles(gpuDir, "*.env").Select(f => Path.GetFileNameWithoutExtension(f));
                throw new ArgumentException($"Unknown GPU model '{gpu.Model}'; known: {string.Join(", ", known)}", nameof(options));
            }

            var env = $"BDF={Quote(gpu.Bdf)}\nMODEL={Quote(gpu.Model)}\n" + File.ReadAllText(modelFile);
            Upper.Write($"/etc/nodesim/gpus/{gpu.Bdf}.env", env);
        }
    }

    private void InstallNodeFiles()
    {
        var src = NodeFilesDir;
        if (!Directory.Exists(src))
        {
            throw new NodeSimUnavailableException($"node files not found at {src} (is VgpuIac.NodeSim's node/ folder copied to the output?)");
        }

        Upper.Copy(Path.Combine(src, "session.sh"), "/usr/lib/nodesim/session.sh", UpperLayer.Mode755);
        foreach (var file in Directory.GetFiles(Path.Combine(src, "lib")))
        {
            Upper.Copy(file, "/usr/lib/nodesim/" + Path.GetFileName(file), UpperLayer.Mode755);
        }

        foreach (var file in Directory.GetFiles(Path.Combine(src, "gpus")))
        {
            Upper.Copy(file, "/usr/lib/nodesim/gpus/" + Path.GetFileName(file), UpperLayer.Mode644);
        }

        foreach (var file in Directory.GetFiles(Path.Combine(src, "boot.d")))
        {
            Upper.Copy(file, "/etc/nodesim/boot.d/" + Path.GetFileName(file), UpperLayer.Mode755);
        }

        foreach (var file in Directory.GetFiles(Path.Combine(src, "shims")))
        {
            Upper.Copy(file, ShimPath(file), UpperLayer.Mode755);
        }

        Upper.Copy("/usr/bin/mdevctl", "/usr/lib/nodesim/mdevctl.real", UpperLayer.Mode755);
        Upper.Copy("/usr/bin/hostname", "/usr/lib/nodesim/hostname.real", UpperLayer.Mode755);

        // guest-only tools of simulated VMs (qm copies them into each guest)
        var guestBin = Path.Combine(src, "guest-tools");
        if (Directory.Exists(guestBin))
        {
            foreach (var file in Directory.GetFiles(guestBin))
            {
                Upper.Copy(file, "/usr/lib/nodesim/guest/bin/" + Path.GetFileName(file), UpperLayer.Mode755);
            }
        }

        // programs of simulated Windows guests (qm copies the base ones into C:\Windows\System32 of each Windows
        // guest; the fake Windows guest driver installer adds nvidia-smi.exe and NVDisplay.Container.exe)
        var windowsBin = Path.Combine(src, "guest-tools-windows");
        if (Directory.Exists(windowsBin))
        {
            foreach (var file in Directory.GetFiles(windowsBin))
            {
                Upper.Copy(file, "/usr/lib/nodesim/guest/windows/" + Path.GetFileName(file), UpperLayer.Mode755);
            }
        }

        // the FastAPI-DLS stand-in that the docker shim runs for fastapi-dls images
        if (DlsStandInDir() is { } dls)
        {
            foreach (var file in Directory.GetFiles(dls))
            {
                Upper.Copy(file, "/usr/lib/nodesim/dls-standin/" + Path.GetFileName(file), UpperLayer.Mode644);
            }
        }

        // a container template, as `pveam download local debian-12-standard...` leaves it
        Upper.Write("/var/lib/vz/template/cache/debian-12-standard_12.7-1_amd64.tar.zst", "simulated template\n");
    }

    /// <summary>The DLS stand-in's build output: next to this assembly, else its project's bin folder in the checkout.</summary>
    private static string? DlsStandInDir()
    {
        var here = Path.Combine(AppContext.BaseDirectory, "dls-standin");
        if (File.Exists(Path.Combine(here, "VgpuIac.DlsStandIn.dll")))
        {
            return here;
        }

        var config = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (var c in new[] { config, config == "Release" ? "Debug" : "Release" })
            {
                var candidate = Path.Combine(dir.FullName, "tests", "VgpuIac.DlsStandIn", "bin", c, "net10.0");
                if (File.Exists(Path.Combine(candidate, "VgpuIac.DlsStandIn.dll")))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    /// <summary>The install path of a shim: its <c># path: /usr/bin/x</c> line, else <c>/usr/bin/&lt;name&gt;</c>.</summary>
    internal static string ShimPath(string shimFile)
    {
        foreach (var line in File.ReadLines(shimFile).Take(5))
        {
            const string marker = "# path:";
            if (line.StartsWith(marker, StringComparison.Ordinal))
            {
                return line[marker.Length..].Trim();
            }
        }

        var name = Path.GetFileName(shimFile);
        return (File.Exists(Sbin + name) ? Sbin : "/usr/bin/") + name;
    }

    private void WriteSkeleton(NodeOptions options)
    {
        var hn = options.Hostname;
        Upper.Write("/etc/hostname", hn + "\n");
        Upper.Write("/etc/hosts", $"127.0.0.1 localhost.localdomain localhost\n192.0.2.10 {hn}.sim.lan {hn}\n\n::1     ip6-localhost ip6-loopback\n");
        Upper.Directory("/root", UpperLayer.Mode700);
        MakeOpaque("/root");
        Upper.Copy("/usr/share/base-files/dot.bashrc", "/root/.bashrc", UpperLayer.Mode644);
        Upper.Copy("/usr/share/base-files/dot.profile", "/root/.profile", UpperLayer.Mode644);
        Upper.Directory("/etc/systemd/system");
        MakeOpaque("/etc/systemd/system");
        Upper.Directory("/etc/systemd/system/multi-user.target.wants");

        Upper.Directory($"/etc/pve/nodes/{hn}/qemu-server");
        Upper.Directory($"/etc/pve/nodes/{hn}/lxc");
        Upper.Symlink("/etc/pve/local", $"nodes/{hn}");
        Upper.Symlink("/etc/pve/qemu-server", $"nodes/{hn}/qemu-server");
        Upper.Symlink("/etc/pve/lxc", $"nodes/{hn}/lxc");
        foreach (var d in new[]
                 {
                     "/etc/modprobe.d", "/etc/modules-load.d", "/etc/nodesim/faults", "/etc/mdevctl.d/scripts.d/callouts",
                     "/etc/mdevctl.d/scripts.d/notifiers", "/var/lib/vz/template/iso", "/var/lib/vz/template/cache",
                     "/var/lib/vz/images", "/var/lib/vz/dump", "/var/lib/nodesim/qm", "/var/lib/nodesim/systemd",
                     "/var/lib/nodesim/dpkg", "/var/lib/nodesim/driver", "/var/lib/nodesim/boot", "/var/log",
                 })
        {
            Upper.Directory(d);
        }

        Upper.Write("/var/lib/nodesim/commands.log", "");
        if (!File.Exists("/etc/modules"))
        {
            Upper.Write("/etc/modules", "# /etc/modules: kernel modules to load at boot time.\n#\n# This file contains the names of kernel modules that should be loaded\n# at boot time, one per line. Lines beginning with \"#\" are ignored.\n");
        }

        foreach (var k in options.EffectiveKernels.Append(options.RunningKernel).Distinct())
        {
            Upper.Write($"/boot/vmlinuz-{k}", "");
            Upper.Write($"/boot/initrd.img-{k}", "");
            Upper.Directory($"/lib/modules/{k}/kernel");
        }

        foreach (var pkg in options.EffectiveHeaderPackages)
        {
            var k = pkg.Replace("proxmox-headers-", "", StringComparison.Ordinal).Replace("pve-headers-", "", StringComparison.Ordinal);
            Upper.Write($"/usr/src/linux-headers-{k}/Makefile", "# kernel headers (simulated)\n");
            if (Directory.Exists(Upper.Map($"/lib/modules/{k}")))
            {
                Upper.Symlink($"/lib/modules/{k}/build", $"/usr/src/linux-headers-{k}");
            }
        }
    }

    private void WriteBootConfiguration(NodeOptions options)
    {
        var iommu = options.IommuEnabled ? " intel_iommu=on iommu=pt" : "";
        Upper.Write("/etc/default/grub", $"""
            # If you change this file, run 'update-grub' afterwards to update
            # /boot/grub/grub.cfg.

            GRUB_DEFAULT=0
            GRUB_TIMEOUT=5
            GRUB_DISTRIBUTOR="Proxmox VE"
            GRUB_CMDLINE_LINUX_DEFAULT="quiet{iommu}"
            GRUB_CMDLINE_LINUX=""

            """);
        Upper.Write("/etc/kernel/cmdline", $"root=ZFS=rpool/ROOT/pve-1 boot=zfs{iommu}\n");
        Upper.Write("/var/lib/nodesim/boot/cmdline", $"root=/dev/mapper/pve-root ro quiet{iommu}\n");
        Upper.Write("/var/lib/nodesim/boot/kernel", options.RunningKernel + "\n");
    }

    private void MakeOpaque(string nodePath)
    {
        ReadOnlySpan<byte> y = "y"u8;
        _ = LibC.SetExtendedAttribute(Upper.Map(nodePath), "trusted.overlay.opaque", y, (nuint)y.Length, 0);
    }

    private static string? FindRepositoryRoot()
    {
        var dir = Path.GetDirectoryName(typeof(NodeSandbox).Assembly.Location);
        while (!string.IsNullOrEmpty(dir) && dir != "/")
        {
            if (Directory.Exists(Path.Combine(dir, ".git")) || File.Exists(Path.Combine(dir, ".git")))
            {
                return dir;
            }

            dir = Path.GetDirectoryName(dir);
        }

        return null;
    }

    private static async Task RunKeygenAsync(string path, string comment, CancellationToken ct)
    {
        var psi = new ProcessStartInfo("/usr/bin/ssh-keygen")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var a in new[] { "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path })
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi) ?? throw new NodeSimUnavailableException("cannot start ssh-keygen");
        p.StandardInput.Close();
        var err = p.StandardError.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct).ConfigureAwait(false);
        if (p.ExitCode != 0)
        {
            throw new NodeSimUnavailableException($"ssh-keygen failed ({p.ExitCode}): {await err.ConfigureAwait(false)}");
        }
    }

    /// <summary>Single-quotes a value for a shell-sourceable env file.</summary>
    internal static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static string PveManagerHash(string version) => version switch
    {
        "8.2.4" => "faa83925c9641325",
        _ => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("pve-manager " + version)))[..16],
    };

    /// <summary>Stops and deletes sandboxes in the temp directory whose owner process is gone.</summary>
    public static void CleanUpStale()
    {
        foreach (var dir in Directory.GetDirectories(Path.GetTempPath(), "nodesim-*"))
        {
            try
            {
                var owner = ReadPid(Path.Combine(dir, "owner.pid"));
                if (owner <= 0 || Directory.Exists($"/proc/{owner.ToString(CultureInfo.InvariantCulture)}"))
                {
                    continue;
                }

                var unshare = ReadPid(Path.Combine(dir, "unshare.pid"));
                if (unshare > 0 && File.Exists($"/proc/{unshare.ToString(CultureInfo.InvariantCulture)}/cmdline")
                    && File.ReadAllText($"/proc/{unshare.ToString(CultureInfo.InvariantCulture)}/cmdline").Contains(dir, StringComparison.Ordinal))
                {
                    _ = LibC.Kill(unshare, LibC.SigKill);
                    Thread.Sleep(200);
                }

                var stale = new NodeSandbox(dir) { FsIsTmpfs = File.ReadAllText("/proc/self/mounts").Contains(" " + dir + "/fs ", StringComparison.Ordinal) };
                stale.Delete();
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    private static int ReadPid(string file) =>
        File.Exists(file) && int.TryParse(File.ReadAllText(file).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) ? pid : 0;

    /// <summary>Unmounts the tmpfs and deletes the sandbox. Call only after the node's namespaces are gone.</summary>
    public void Delete()
    {
        if (FsIsTmpfs)
        {
            _ = LibC.Unmount(FsDir, LibC.MntDetach);
        }

        // Never follow anything mounted: the node's mounts lived in its own namespace only, but be careful anyway.
        if (File.ReadAllText("/proc/self/mounts").Contains(" " + Dir + "/", StringComparison.Ordinal))
        {
            return;
        }

        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
