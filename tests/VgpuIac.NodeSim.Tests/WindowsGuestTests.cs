using System.Text;
using System.Text.Json;
using VgpuIac.NodeSim.Tests.DriverStack;
using VgpuIac.NodeSim;

namespace VgpuIac.NodeSim.Tests;

/// <summary>
/// The Windows guest flavour (a VM whose ostype is win*): get-osinfo, C:\ program mapping for `qm guest exec`, the
/// Windows programs the provider uses, the fake Windows guest driver, and a licensing service that asks the server
/// named in the token.
/// </summary>
public sealed class WindowsGuestTests
{
    private const string Ps = "powershell.exe -NoProfile -NonInteractive -Command";
    private const string Stage = "'$ErrorActionPreference = '\\''Stop'\\''; New-Item -ItemType Directory -Force -Path '\\''C:\\Windows\\Temp\\vgpuiac'\\'' | Out-Null; $in = [Console]::OpenStandardInput(); $out = [IO.File]::Create('\\''C:\\Windows\\Temp\\vgpuiac\\setup.exe'\\''); $in.CopyTo($out); $out.Close()'";
    private const string TokenDir = "C:\\Program Files\\NVIDIA Corporation\\vGPU Licensing\\ClientConfigToken";

    private static (int ExitCode, string Out, string Err) Exec(SimulatedNode node, string vmid, string command, string? stdin = null)
    {
        var (exit, output, err) = stdin is null
            ? NodeSsh.Run(node, $"qm guest exec {vmid} -- {command}")
            : NodeSsh.Run(node, $"printf '%s' '{stdin}' | base64 -d | qm guest exec {vmid} --pass-stdin 1 -- {command}");
        if (exit != 0 || !output.TrimStart().StartsWith('{'))
        {
            return (exit ?? -1, output, err);
        }

        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        return (root.GetProperty("exitcode").GetInt32(),
            root.TryGetProperty("out-data", out var o) ? o.GetString()! : string.Empty,
            root.TryGetProperty("err-data", out var e) ? e.GetString()! : string.Empty);
    }

    [NodeFact]
    public async Task A_windows_guest_answers_the_windows_programs_and_installs_the_fake_driver()
    {
        await using var node = await DriverNodes.StartAsync(DriverNodes.Blacklisted(new NodeOptions { Hostname = "pve-win" }));
        var host = DriverNodes.UploadInstaller(node, "535.129.03", new FakeInstallerOptions { LoadModulesNow = true });
        DriverNodes.Ok(node, $"sh {host} --dkms -s >/dev/null");
        DriverNodes.Ok(node, "qm create 400 --name win10-vgpu --ostype win10 --machine q35 --bios ovmf --agent enabled=1 --net0 virtio,bridge=vmbr0 --hostpci0 0000:01:00.0,mdev=nvidia-46,pcie=1 && qm start 400");
        DriverNodes.Ok(node, "qm create 401 --name ubuntu-vgpu --ostype l26 --agent enabled=1 --net0 virtio,bridge=vmbr0 && qm start 401");

        // the agent says which OS runs; the network has Windows interface names
        var osinfo = DriverNodes.Ok(node, "qm guest cmd 400 get-osinfo");
        Assert.Contains("\"id\" : \"mswindows\"", osinfo, StringComparison.Ordinal);
        Assert.Contains("\"pretty-name\" : \"Windows 10 Pro\"", osinfo, StringComparison.Ordinal);
        Assert.Equal(osinfo, DriverNodes.Ok(node, "qm agent 400 get-osinfo"));
        Assert.Contains("\"id\" : \"ubuntu\"", DriverNodes.Ok(node, "qm guest cmd 401 get-osinfo"), StringComparison.Ordinal);
        Assert.Contains("\"name\" : \"Ethernet\"", DriverNodes.Ok(node, "qm agent 400 network-get-interfaces"), StringComparison.Ordinal);

        // programs are found by C:\ path (case-insensitively) or in System32; others fail as CreateProcessW does
        var hash = Exec(node, "400", "certutil.exe -hashfile 'C:\\WINDOWS\\System32\\CMD.EXE' SHA256");
        Assert.Equal(0, hash.ExitCode);
        Assert.Matches("^SHA256 hash of C:\\\\WINDOWS\\\\System32\\\\CMD.EXE:\r\n[0-9a-f]{64}\r\nCertUtil: -hashfile command completed successfully.\r\n$", hash.Out);
        var missing = Exec(node, "400", "'C:\\Windows\\System32\\nvidia-smi.exe' -q");
        Assert.Equal(255, missing.ExitCode);
        Assert.Contains("CreateProcessW() failed: The system cannot find the file specified.", missing.Err, StringComparison.Ordinal);
        Assert.Contains("not recognized as the name of a cmdlet", Exec(node, "400", $"{Ps} 'Remove-Item C:\\x'").Err, StringComparison.Ordinal);
        Assert.Contains("NET HELPMSG 2185", Exec(node, "400", "net.exe start NoSuchService").Err, StringComparison.Ordinal);

        // the installer arrives over stdin, is checked inside the guest, refuses to run without -s, installs with -s
        var dir = Directory.CreateTempSubdirectory("fake-wdriver-");
        var installer = Path.Combine(dir.FullName, FakeWindowsGuestDriver.FileName("537.70"));
        var sha = FakeWindowsGuestDriver.Write(installer, "537.70");
        Assert.Equal(0, Exec(node, "400", $"{Ps} {Stage}", Convert.ToBase64String(File.ReadAllBytes(installer))).ExitCode);
        Assert.Contains(sha, Exec(node, "400", "certutil.exe -hashfile 'C:\\Windows\\Temp\\vgpuiac\\setup.exe' SHA256").Out, StringComparison.Ordinal);
        var gui = Exec(node, "400", "'C:\\Windows\\Temp\\vgpuiac\\setup.exe'");
        Assert.Equal(1, gui.ExitCode);
        Assert.Contains("-s", gui.Err, StringComparison.Ordinal);
        Assert.Equal(0, Exec(node, "400", "'C:\\Windows\\Temp\\vgpuiac\\setup.exe' -s -noreboot -clean").ExitCode);

        // the driver is active after the restart; nvidia-smi.exe prints the Linux -q layout plus WDDM, with CRLF
        Assert.Equal(9, Exec(node, "400", "'C:\\Windows\\System32\\nvidia-smi.exe' -q").ExitCode);
        DriverNodes.Ok(node, "qm reboot 400");
        var smi = Exec(node, "400", "'C:\\Windows\\System32\\nvidia-smi.exe' -q");
        Assert.Equal(0, smi.ExitCode);
        Assert.Contains("Driver Version                            : 537.70\r\n", smi.Out, StringComparison.Ordinal);
        Assert.Contains("        Current                           : WDDM\r\n", smi.Out, StringComparison.Ordinal);
        Assert.Contains("License Status                    : Unlicensed (Unrestricted)\r\n", smi.Out, StringComparison.Ordinal);
        var log = Exec(node, "400", "cmd.exe /c type 'C:\\Users\\Public\\Documents\\NvidiaLogging\\Log.NVDisplay.Container.exe.log'").Out;
        Assert.Matches(@"^[A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9]\d \d\d:\d\d:\d\d \d{4}:<1>:NLS initialized\r$", log.Split('\n')[2]);
        Assert.Contains(":<1>:Failed to acquire license from NLS server. Error: Client configuration token not found.", log, StringComparison.Ordinal);

        // a token naming a server that does not answer: the service really asks it (and logs why it failed)
        var port = LoopbackPorts.Reserve();
        var payload = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{{\"node_url_list\":[{{\"idx\":0,\"url\":\"127.0.0.1\"}}],\"svc_port_map\":[{{\"service\":\"auth\",\"port\":{port}}}]}}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var token = $"eyJhbGciOiJSUzI1NiJ9.{payload}.c2ln";
        Assert.Equal(0, Exec(node, "400", $"{Ps} 'New-Item -ItemType Directory -Force -Path '\\''{TokenDir}'\\'' | Out-Null; $in = [Console]::OpenStandardInput(); $out = [IO.File]::Create('\\''{TokenDir}\\t.tok'\\''); $in.CopyTo($out); $out.Close()'",
            Convert.ToBase64String(Encoding.UTF8.GetBytes(token))).ExitCode);
        Assert.Equal(0, Exec(node, "400", $"icacls.exe '{TokenDir}\\t.tok' /inheritance:r /grant:r '*S-1-5-18:F' '*S-1-5-32-544:F'").ExitCode);
        Assert.Equal("600", DriverNodes.Ok(node, "stat -c %a '/var/lib/nodesim/guests/400/root/c/Program Files/NVIDIA Corporation/vGPU Licensing/ClientConfigToken/t.tok'").Trim());
        Assert.DoesNotContain("Users", Exec(node, "400", $"icacls.exe '{TokenDir}\\t.tok'").Out, StringComparison.Ordinal);
        Assert.Contains("NET HELPMSG 2182", Exec(node, "400", "net.exe start NVDisplay.ContainerLocalSystem").Err, StringComparison.Ordinal);
        Assert.Contains("was stopped successfully", Exec(node, "400", "net.exe stop NVDisplay.ContainerLocalSystem").Out, StringComparison.Ordinal);
        Assert.Contains("The NVIDIA Display Container LS service was started successfully.", Exec(node, "400", "net.exe start NVDisplay.ContainerLocalSystem").Out, StringComparison.Ordinal);
        log = Exec(node, "400", "cmd.exe /c type 'C:\\Users\\Public\\Documents\\NvidiaLogging\\Log.NVDisplay.Container.exe.log'").Out;
        Assert.Contains(":<1>:Failed to acquire license from 127.0.0.1 (Info: NVIDIA RTX Virtual Workstation - Error: Failure in connecting to license server", log, StringComparison.Ordinal);
        Assert.Contains("Unlicensed (Restricted)", Exec(node, "400", "'C:\\Windows\\System32\\nvidia-smi.exe' -q").Out, StringComparison.Ordinal);

        // like PVE, `--pass-stdin` takes at most 1 MiB
        var big = NodeSsh.Run(node, "head -c 1048577 /dev/zero | qm guest exec 401 --pass-stdin 1 -- sh -c 'wc -c'");
        Assert.Equal(255, big.Exit);
        Assert.Contains("'input-data' (STDIN) is limited to 1 MiB, aborting", big.Err, StringComparison.Ordinal);
        Assert.Contains("\"out-data\" : \"1048576\\n\"", NodeSsh.Run(node, "head -c 1048576 /dev/zero | qm guest exec 401 --pass-stdin 1 -- sh -c 'wc -c'").Out, StringComparison.Ordinal);

        // the Linux guest next to it is untouched by all this: it still runs sh, not Windows programs
        Assert.Contains("CreateProcessW", Exec(node, "400", "sh -c true").Err, StringComparison.Ordinal);
        Assert.Equal(0, Exec(node, "401", "sh -c true").ExitCode);
        dir.Delete(recursive: true);
    }
}
