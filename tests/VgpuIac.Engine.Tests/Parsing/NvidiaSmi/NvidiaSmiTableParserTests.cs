using VgpuIac.Engine.Parsing;
using VgpuIac.Engine.Parsing.NvidiaSmi;
using VgpuIac.Engine.Parsing.Pci;

namespace VgpuIac.Engine.Tests.Parsing.NvidiaSmi;

public sealed class NvidiaSmiTableParserTests
{
    private static readonly Dictionary<string, Action<ParseResult<NvidiaSmiTable>>> Host = new()
    {
        ["anomixer-15-gtx1080-535.230.02-partial.txt"] = r =>
        {
            Assert.True(r.Truncated);
            Assert.Null(r.Value.Timestamp);
            Assert.Equal("535.230.02", r.Value.DriverVersion);
            Assert.Equal("N/A", r.Value.CudaVersion);
            var g = Assert.Single(r.Value.Gpus);
            Assert.Equal("NVIDIA GeForce GTX 1080", g.Name);
            Assert.False(g.NameCut);
            Assert.Equal("00000000:02:00.0", g.BusId);
            Assert.Equal(new PciAddress(0, 2, 0, 0), g.Address);
            Assert.Equal("On", g.Persistence);
            Assert.Equal(32, g.MemoryUsedMiB);
            Assert.Equal(8192, g.MemoryTotalMiB);
            Assert.Equal(0, g.UtilizationPercent);
            Assert.Equal("13W", g.PowerUsage);
            Assert.Equal("180W", g.PowerCap);
            Assert.Equal("N/A", g.MigMode);
        },
        ["dualcoder-110-merged-510.85.02-vs-510.85.03-gtx-truncated.txt"] = r =>
        {
            Assert.True(r.Truncated);
            Assert.Equal("Wed Nov 16 11:22:19 2022", r.Value.Timestamp);
            Assert.Equal("510.85.02", r.Value.SmiVersion);
            Assert.Equal("510.85.03", r.Value.DriverVersion);
            Assert.Equal("11.6", r.Value.CudaVersion);
            var g = Assert.Single(r.Value.Gpus);
            Assert.Equal("NVIDIA GeForce", g.Name);
            Assert.True(g.NameCut);
            Assert.Equal("On", g.DisplayActive);
            Assert.Equal("N/A", g.PowerUsage);
            Assert.Equal(1743, g.MemoryUsedMiB);
            Assert.Equal(1, g.UtilizationPercent);
        },
        ["greendamtan-cmp40hx-550.54.10-vgpu-kvm-host.txt"] = r =>
        {
            Assert.True(r.IsComplete);
            Assert.Equal("550.54.10", r.Value.DriverVersion);
            var g = Assert.Single(r.Value.Gpus);
            Assert.Equal("NVIDIA CMP 40HX", g.Name);
            Assert.Equal("00000000:01:00.0", g.BusId);
            Assert.Equal(61, g.MemoryUsedMiB);
            Assert.Equal(8192, g.MemoryTotalMiB);
            Assert.Empty(r.Value.Processes);
        },
        ["greendamtan-fnos-tesla-p4-550.90.07-baremetal-grid.txt"] = r =>
        {
            Assert.True(r.IsComplete);
            Assert.Equal("12.4", r.Value.CudaVersion);
            var g = Assert.Single(r.Value.Gpus);
            Assert.Equal("Tesla P4", g.Name);
            Assert.Equal("0", g.VolatileUncorrectableEcc);
            Assert.Equal("N/A", g.Fan);
            Assert.Equal(new PciAddress(0, 0x81, 0, 0), g.Address);
            var p = Assert.Single(r.Value.Processes);
            Assert.Equal(new GpuProcess(0, "N/A", "N/A", 17806, "C", "/usr/trim/bin/mediasrv", 359), p);
        },
        ["greendamtan-gtx1060-550.144.02-vgpu-running-92pct.txt"] = r =>
        {
            Assert.True(r.IsComplete);
            var g = Assert.Single(r.Value.Gpus);
            Assert.Equal("NVIDIA GeForce GTX 1060 6GB", g.Name);
            Assert.Equal(92, g.UtilizationPercent);
            Assert.Equal(1043, g.MemoryUsedMiB);
            Assert.Equal(new GpuProcess(0, "N/A", "N/A", 60395, "C+G", "vgpu", 1014), Assert.Single(r.Value.Processes));
        },
        ["nutanix-ahv-4xa16-470.129.04-vgpu-procs.txt"] = r =>
        {
            Assert.True(r.IsComplete);
            Assert.Equal("470.129.04", r.Value.DriverVersion);
            Assert.Equal([0, 1, 2, 3], r.Value.Gpus.Select(g => g.Index));
            Assert.All(r.Value.Gpus, g => Assert.Equal("NVIDIA A16", g.Name));
            Assert.Equal(["00000000:13:00.0", "00000000:14:00.0", "00000000:15:00.0", "00000000:16:00.0"], r.Value.Gpus.Select(g => g.BusId));
            Assert.Equal(1792, r.Value.Gpus[1].MemoryUsedMiB);
            Assert.Equal(15105, r.Value.Gpus[1].MemoryTotalMiB);
            Assert.Equal([3500L, 83254L], r.Value.Processes.Select(p => p.Pid!.Value));
            Assert.All(r.Value.Processes, p => Assert.Equal(896, p.UsedMemoryMiB));
        },
        ["polloloco-rtx2080ti-525.60.12.txt"] = r =>
        {
            Assert.True(r.IsComplete);
            Assert.Equal("525.60.12", r.Value.DriverVersion);
            Assert.Equal("Sun Dec  4 12:54:59 2022", r.Value.Timestamp);
            var g = Assert.Single(r.Value.Gpus);
            Assert.True(g.NameCut);
            Assert.Equal(11264, g.MemoryTotalMiB);
            Assert.Empty(r.Value.Processes);
        },
        ["pve-manager-status-14-gtx1660-550.54.10-partial.txt"] = r =>
        {
            Assert.True(r.Truncated);
            var g = Assert.Single(r.Value.Gpus);
            Assert.Equal("NVIDIA GeForce GTX 1660", g.Name);
            Assert.Equal(new PciAddress(0, 3, 0, 0), g.Address);
            Assert.Equal(2079, g.MemoryUsedMiB);
            Assert.Equal(15, g.UtilizationPercent);
        },
    };

    private static readonly Dictionary<string, Action<ParseResult<NvidiaSmiTable>>> Guest = new()
    {
        ["greendamtan-fnos-guest-p4-2q-535.183.06-mediasrv.txt"] = r =>
        {
            Assert.True(r.IsComplete);
            Assert.Equal("535.183.06", r.Value.DriverVersion);
            var g = Assert.Single(r.Value.Gpus);
            Assert.Equal("GRID P4-2Q", g.Name);
            Assert.Equal("N/A", g.PowerUsage);
            Assert.Equal(2048, g.MemoryTotalMiB);
            Assert.Equal("Disabled", g.MigMode);
            Assert.Equal("/usr/trim/bin/mediasrv", Assert.Single(r.Value.Processes).Name);
        },
        ["hpe-tkgs-a100-2-10c-mig-vgpu-guest-510.73.08.txt"] = r =>
        {
            Assert.True(r.IsComplete);
            var g = Assert.Single(r.Value.Gpus);
            Assert.Equal("GRID A100-2-10C", g.Name);
            Assert.Null(g.MemoryUsedMiB);
            Assert.Null(g.UtilizationPercent);
            Assert.Equal("Enabled", g.MigMode);
            Assert.Equal("On", g.VolatileUncorrectableEcc);
            Assert.Empty(r.Value.Processes);
        },
        ["kata-2410-unable-to-determine-device-handle.txt"] = r =>
        {
            Assert.Empty(r.Value.Gpus);
            Assert.Null(r.Value.DriverVersion);
            Assert.Equal("Unable to determine the device handle for GPU 0000:00:08.0: Unknown Error", r.Value.ErrorMessage);
            Assert.NotEmpty(r.Warnings);
        },
        ["nrec-p40-12q-guest-535.216.01-docker.txt"] = r =>
        {
            Assert.True(r.IsComplete);
            Assert.Equal("535.216.01", r.Value.DriverVersion);
            Assert.Equal("GRID P40-12Q", Assert.Single(r.Value.Gpus).Name);
            Assert.Equal(12288, r.Value.Gpus[0].MemoryTotalMiB);
        },
        ["oneclick-gpu-pv-8-wsl-550.54.14-vs-551.78-segfault.txt"] = r =>
        {
            Assert.True(r.Truncated);
            Assert.Equal("550.54.14", r.Value.SmiVersion);
            Assert.Equal("551.78", r.Value.DriverVersion);
            Assert.Empty(r.Value.Gpus);
            Assert.Equal("Segmentation fault (core dumped)", r.Value.ErrorMessage);
        },
        ["vultr-a16-2q-525.125.06-python3.txt"] = r =>
        {
            Assert.True(r.IsComplete);
            Assert.Null(r.Value.Timestamp);
            Assert.Equal("NVIDIA A16-2Q", Assert.Single(r.Value.Gpus).Name);
            Assert.Equal(new GpuProcess(0, "N/A", "N/A", 8909, "C", "python3", 1581), Assert.Single(r.Value.Processes));
        },
    };

    public static TheoryData<string> HostFiles => RealOutputs.Names("nvidia-smi-host");

    public static TheoryData<string> GuestFiles => RealOutputs.Names("nvidia-smi-guest");

    [Theory]
    [MemberData(nameof(HostFiles))]
    public void Reads_every_host_sample(string file)
    {
        Assert.True(Host.ContainsKey(file), $"no expectation written for nvidia-smi-host/{file}");
        Host[file](NvidiaSmiTableParser.Parse(RealOutputs.Read("nvidia-smi-host", file)));
    }

    [Theory]
    [MemberData(nameof(GuestFiles))]
    public void Reads_every_guest_sample(string file)
    {
        Assert.True(Guest.ContainsKey(file), $"no expectation written for nvidia-smi-guest/{file}");
        Guest[file](NvidiaSmiTableParser.Parse(RealOutputs.Read("nvidia-smi-guest", file)));
    }

    [Fact]
    public void Every_expectation_has_a_sample()
    {
        Assert.Equal(Host.Keys.Order(StringComparer.Ordinal), RealOutputs.List("nvidia-smi-host"));
        Assert.Equal(Guest.Keys.Order(StringComparer.Ordinal), RealOutputs.List("nvidia-smi-guest"));
    }

    [Fact]
    public void Reads_the_580_layout_with_a_domain_bus_id()
    {
        const string text = """
            Mon Jan 12 10:00:00 2026
            +-----------------------------------------------------------------------------------------+
            | NVIDIA-SMI 580.105.06             Driver Version: 580.105.06     CUDA Version: Not Found|
            +-----------------------------------------+------------------------+----------------------+
            | GPU  Name                 Persistence-M | Bus-Id          Disp.A | Volatile Uncorr. ECC |
            | Fan  Temp   Perf          Pwr:Usage/Cap |           Memory-Usage | GPU-Util  Compute M. |
            |                                         |                        |               MIG M. |
            |=========================================+========================+======================|
            |   0  NVIDIA RTX PRO 6000 Blackwell...   On  |   00000001:C8:00.0 Off |                    0 |
            | 30%   35C    P8             34W /  600W |       0MiB /  97887MiB |      0%      Default |
            |                                         |                        |                  N/A |
            +-----------------------------------------+------------------------+----------------------+

            +-----------------------------------------------------------------------------------------+
            | Processes:                                                                              |
            |  GPU   GI   CI              PID   Type   Process name                        GPU Memory |
            |        ID   ID                                                               Usage      |
            |=========================================================================================|
            |  No running processes found                                                             |
            +-----------------------------------------------------------------------------------------+
            """;
        var r = NvidiaSmiTableParser.Parse(text);
        Assert.True(r.IsComplete);
        Assert.Equal("580.105.06", r.Value.DriverVersion);
        var g = Assert.Single(r.Value.Gpus);
        Assert.Equal("NVIDIA RTX PRO 6000 Blackwell", g.Name);
        Assert.True(g.NameCut);
        Assert.Equal("0001:c8:00.0", g.Address!.ToString());
        Assert.Equal(97887, g.MemoryTotalMiB);
    }

    [Fact]
    public void Empty_and_failure_outputs()
    {
        Assert.Empty(NvidiaSmiTableParser.Parse("").Value.Gpus);
        var r = NvidiaSmiTableParser.Parse("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.\n");
        Assert.StartsWith("NVIDIA-SMI has failed", r.Value.ErrorMessage, StringComparison.Ordinal);
    }
}
