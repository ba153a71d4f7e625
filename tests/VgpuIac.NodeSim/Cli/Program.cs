using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using VgpuIac.NodeSim.Native;

namespace VgpuIac.NodeSim.Cli;

/// <summary>CLI for demos and benchmarks:
/// <c>start --state-dir DIR [--hostname H] [--gpu BDF=MODEL]... [--pve-version V] [--kernel K] [--no-iommu] [--secure-boot] [--reboot-delay S]</c>
/// starts a node, writes DIR/node.json and runs until SIGTERM/SIGINT; <c>stop --state-dir DIR</c> stops it.</summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            await Console.Error.WriteLineAsync(
                "usage: VgpuIac.NodeSim start --state-dir DIR [--hostname H] [--gpu BDF=MODEL]... [--pve-version V] [--kernel K]\n" +
                "                             [--no-iommu] [--secure-boot] [--reboot-delay SECONDS]\n" +
                "       VgpuIac.NodeSim stop --state-dir DIR\n" +
                "       VgpuIac.NodeSim write-host-installer|write-guest-driver|write-windows-guest-driver [--version V] [--out DIR]").ConfigureAwait(false);
            return 2;
        }

        if (args[0] is "write-host-installer" or "write-guest-driver" or "write-windows-guest-driver")
        {
            // demo/bench helpers: the stand-in installers a simulated node accepts in place of NVIDIA's packages
            var outDir = Option(args, "--out") ?? ".";
            Directory.CreateDirectory(outDir);
            string path;
            switch (args[0])
            {
                case "write-host-installer":
                    path = FakeInstaller.Write(outDir, Option(args, "--version") ?? "535.129.03");
                    break;
                case "write-guest-driver":
                    var linux = Option(args, "--version") ?? "535.129.03";
                    path = Path.Combine(outDir, FakeGuestDriver.FileName(linux));
                    FakeGuestDriver.Write(path, linux);
                    break;
                default:
                    // the Windows guest driver of the same vGPU release as host 535.129.03 (16.2) is 537.70
                    var windows = Option(args, "--version") ?? "537.70";
                    path = Path.Combine(outDir, FakeWindowsGuestDriver.FileName(windows));
                    FakeWindowsGuestDriver.Write(path, windows);
                    break;
            }

            Console.WriteLine(path);
            return 0;
        }

        var stateDir = Option(args, "--state-dir");
        if (stateDir is null)
        {
            await Console.Error.WriteLineAsync("--state-dir is required").ConfigureAwait(false);
            return 2;
        }

        return args[0] switch
        {
            "start" => await StartAsync(args, stateDir).ConfigureAwait(false),
            "stop" => await StopAsync(stateDir).ConfigureAwait(false),
            _ => 2,
        };
    }

    private static async Task<int> StartAsync(string[] args, string stateDir)
    {
        var gpus = new List<GpuDevice>();
        for (var i = 1; i < args.Length - 1; i++)
        {
            if (args[i] == "--gpu")
            {
                var parts = args[i + 1].Split('=', 2);
                gpus.Add(new GpuDevice(parts[0], parts.Length > 1 ? parts[1] : "tesla-p40"));
            }
        }

        var options = new NodeOptions
        {
            Hostname = Option(args, "--hostname") ?? "pve-sim",
            PveVersion = Option(args, "--pve-version") ?? "8.2.4",
            RunningKernel = Option(args, "--kernel") ?? "6.5.13-6-pve",
            IommuEnabled = !args.Contains("--no-iommu"),
            SecureBoot = args.Contains("--secure-boot"),
            RebootDelay = double.Parse(Option(args, "--reboot-delay") ?? "2", CultureInfo.InvariantCulture),
        };
        if (gpus.Count > 0)
        {
            options = options with { Gpus = gpus };
        }

        Directory.CreateDirectory(stateDir);
        using var stop = new CancellationTokenSource();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });

        await using var node = await SimulatedNode.StartAsync(options, stop.Token).ConfigureAwait(false);
        var json = Path.Combine(stateDir, "node.json");
        await File.WriteAllTextAsync(json + ".tmp", NodeJson(node)).ConfigureAwait(false);
        File.Move(json + ".tmp", json, overwrite: true);
        await Console.Out.WriteLineAsync($"node {options.Hostname} up at {node.Host}:{node.Port} ({node.HostKeySha256}); state in {json}").ConfigureAwait(false);
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        File.Delete(json);
        return 0;
    }

    private static async Task<int> StopAsync(string stateDir)
    {
        var json = Path.Combine(stateDir, "node.json");
        if (!File.Exists(json))
        {
            await Console.Error.WriteLineAsync($"no node running ({json} missing)").ConfigureAwait(false);
            return 1;
        }

        using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(json).ConfigureAwait(false));
        var pid = doc.RootElement.GetProperty("pid").GetInt32();
        _ = LibC.Kill(pid, LibC.SigTerm);
        for (var i = 0; i < 500 && Directory.Exists($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}"); i++)
        {
            await Task.Delay(20).ConfigureAwait(false);
        }

        return Directory.Exists($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}") ? 1 : 0;
    }

    private static string NodeJson(SimulatedNode node)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("host", node.Host);
            w.WriteNumber("port", node.Port);
            w.WriteString("user", node.User);
            w.WriteString("private_key_path", node.PrivateKeyPath);
            w.WriteString("host_key_sha256", node.HostKeySha256);
            w.WriteString("host_public_key", node.HostPublicKey);
            w.WriteString("upper_dir", node.UpperDir);
            w.WriteString("sandbox_dir", node.SandboxDir);
            w.WriteNumber("pid", Environment.ProcessId);
            w.WriteNumber("init_pid", node.InitPid);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(ms.ToArray()) + "\n";
    }

    private static string? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
