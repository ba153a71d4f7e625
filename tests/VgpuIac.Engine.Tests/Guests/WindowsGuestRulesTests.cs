using VgpuIac.Engine.Guests;
using VgpuIac.Engine.Tests.Licensing;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.Tests.Guests;

/// <summary>Windows guest rules that need no node: validation, driver pairing, and reading what a Windows guest answers.</summary>
public sealed class WindowsGuestRulesTests
{
    private const string Sha = "e792dae1265898667e5fc1bdb8453769c2b0b8f5497dd46da20fd4c2a68bbf23";

    private static List<Diagnostics.Diagnostic> Validate(params (string Name, Value Value)[] attributes)
    {
        var config = Value.Object([("node", Value.String("pve1")), ("vmid", Value.Number(300)), ("name", Value.String("win")), ("mdev_type", Value.String("nvidia-46")), .. attributes]);
        var resource = new GuestResource();
        return [.. resource.Validate(new ResourceDriver(resource, null!).Fill(config))];
    }

    [Fact]
    public void Windows_guest_setup_is_accepted()
    {
        var diagnostics = Validate(
            ("os", Value.String("windows")),
            ("guest_driver_source", Value.String("/srv/537.70_grid_win10_win11_server2019_server2022_dch_64bit_international.exe")),
            ("guest_driver_sha256", Value.String(Sha)),
            ("host_driver_version", Value.String("535.129.03")),
            ("license_token", Value.String("a.b.c")));
        Assert.DoesNotContain(diagnostics, d => d.IsError);
    }

    [Fact]
    public void A_driver_for_the_other_os_or_release_is_refused()
    {
        var linuxRun = Validate(("os", Value.String("windows")), ("guest_driver_source", Value.String("/srv/NVIDIA-Linux-x86_64-535.129.03-grid.run")), ("guest_driver_sha256", Value.String(Sha)));
        Assert.Contains(linuxRun, d => d.IsError && d.Summary == "Linux guest driver for a Windows guest" && d.Path!.ToString() == "guest_driver_source");

        var windowsExe = Validate(("guest_driver_url", Value.String("https://example.com/537.70_grid_win10_win11_server2019_server2022_dch_64bit_international.exe")), ("guest_driver_sha256", Value.String(Sha)));
        Assert.Contains(windowsExe, d => d.IsError && d.Summary == "Windows guest driver for a Linux guest" && d.Path!.ToString() == "guest_driver_url");

        // 551.61 is the Windows driver of vGPU 17.0, not of 16.2 (host 535.129.03)
        var otherRelease = Validate(("os", Value.String("windows")), ("guest_driver_source", Value.String("/srv/551.61_grid_win10_win11_server2019_server2022_dch_64bit_international.exe")),
            ("guest_driver_sha256", Value.String(Sha)), ("host_driver_version", Value.String("535.129.03")));
        var d = Assert.Single(otherRelease, x => x.IsError);
        Assert.Equal("Guest driver does not match the host driver", d.Summary);
        Assert.Contains("Windows guest driver is 537.70", d.Detail, StringComparison.Ordinal);

        var noSum = Validate(("os", Value.String("windows")), ("guest_driver_source", Value.String("/srv/537.70_grid_win10_win11_server2019_server2022_dch_64bit_international.exe")));
        Assert.Contains(noSum, x => x.IsError && x.Summary == "Missing guest driver checksum" && x.Detail.Contains("certutil -hashfile", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("535.129.03", "537.70", true)]
    [InlineData("535.129.03", "538.33", false)] // a known release pairs exactly
    [InlineData("535.288.01", "539.64", true)]  // R535 by branch: Windows 536-539
    [InlineData("550.163.02", "553.74", true)]
    [InlineData("550.163.02", "539.64", false)]
    [InlineData("570.172.07", "580.88", false)]
    [InlineData("535.288.01", "535.288.01", false)] // a Linux version is no Windows driver
    public void Windows_guest_drivers_pair_with_the_host_by_release(string host, string guest, bool same) =>
        Assert.Equal(same, DriverPairing.SameRelease(host, guest, windowsGuest: true));

    [Fact]
    public void The_version_is_read_from_the_windows_package_name()
    {
        var spec = GuestSpec.From(Value.Object(("os", Value.String("windows")), ("guest_driver_url", Value.String("https://dl.example/vgpu/16.2/537.70_grid_win10_win11_server2019_server2022_dch_64bit_international.exe"))));
        Assert.Equal("537.70", spec.DriverVersionFromName);
        Assert.True(spec.IsWindows);
    }

    [Fact]
    public void Certutil_hashes_are_read_with_and_without_spaces()
    {
        Assert.Equal(Sha, GuestNodeState.ParseCertutilSha256($"SHA256 hash of C:\\x.exe:\r\n{Sha}\r\nCertUtil: -hashfile command completed successfully.\r\n"));
        var spaced = string.Join(' ', Enumerable.Range(0, 32).Select(i => Sha.Substring(i * 2, 2)));
        Assert.Equal(Sha, GuestNodeState.ParseCertutilSha256($"SHA256 hash of file C:\\x.exe:\r\n{spaced.ToUpperInvariant()}\r\nCertUtil: -hashfile command completed successfully.\r\n"));
        Assert.Null(GuestNodeState.ParseCertutilSha256("CertUtil: -hashfile command FAILED: 0x80070002 (WIN32: 2 ERROR_FILE_NOT_FOUND)\r\n"));
    }

    [Fact]
    public void A_windows_guest_answer_is_read_with_the_linux_nvidia_smi_parser()
    {
        const string smi = "\\r\\n==============NVSMI LOG==============\\r\\n\\r\\nDriver Version                            : 537.70\\r\\nCUDA Version                              : 12.2\\r\\n\\r\\n"
            + "Attached GPUs                             : 1\\r\\nGPU 00000000:01:00.0\\r\\n    Product Name                          : GRID P40-1Q\\r\\n"
            + "    Driver Model\\r\\n        Current                           : WDDM\\r\\n        Pending                           : WDDM\\r\\n"
            + "    vGPU Software Licensed Product\\r\\n        Product Name                      : NVIDIA RTX Virtual Workstation\\r\\n"
            + "        License Status                    : Licensed (Expiry: 2026-12-29 8:41:30 GMT)\\r\\n";
        var output = "### config\nostype: win11\nhostpci0: 0000:01:00.0,mdev=nvidia-46,pcie=1\n### status\nstatus: running\n"
            + $"### guest-windows-smi\n{{\n   \"exitcode\" : 0,\n   \"exited\" : 1,\n   \"out-data\" : \"{smi}\"\n}}\n"
            + $"### guest-windows-token\n{{\n   \"exitcode\" : 0,\n   \"exited\" : 1,\n   \"out-data\" : \"SHA256 hash of C:\\\\x.tok:\\r\\n{Sha}\\r\\nCertUtil: -hashfile command completed successfully.\\r\\n\"\n}}\n"
            + "### end\n";
        var state = GuestNodeState.Parse(output);
        Assert.Equal("537.70", state.GuestValue("driver_version"));
        Assert.Equal("Licensed (Expiry: 2026-12-29 8:41:30 GMT)", state.GuestValue("license_status"));
        Assert.Equal(Sha, state.GuestValue("token_sha256"));

        // no driver yet: nvidia-smi.exe does not exist, the agent says so; the guest answered, with no facts
        var bare = GuestNodeState.Parse("### config\nostype: win11\n### status\nstatus: running\n### guest-windows-smi\n"
            + "Agent error: Guest agent command failed, error was 'CreateProcessW() failed: The system cannot find the file specified. (error: 00000002)'\n### end\n");
        Assert.NotNull(bare.Guest);
        Assert.Null(bare.GuestValue("driver_version"));
        Assert.Contains("CreateProcessW", bare.GuestError, StringComparison.Ordinal);
    }
}
