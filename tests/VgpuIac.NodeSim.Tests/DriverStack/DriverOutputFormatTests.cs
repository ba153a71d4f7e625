using System.Text.RegularExpressions;
using VgpuIac.NodeSim;

namespace VgpuIac.NodeSim.Tests.DriverStack;

/// <summary>What the simulated host tools print has the shape of the real outputs the parsers are tested with.</summary>
public sealed partial class DriverOutputFormatTests
{
    /// <summary>Installs the driver with modules loaded at once (no reboot) on a blacklisted P40 node.</summary>
    private static async Task<SimulatedNode> NodeWithDriverAsync(string version)
    {
        var node = await DriverNodes.StartAsync(DriverNodes.Blacklisted(new NodeOptions()));
        var run = DriverNodes.UploadInstaller(node, version, new FakeInstallerOptions { KernelMax = "6.8", LoadModulesNow = true });
        DriverNodes.Ok(node, run + " --dkms -s");
        return node;
    }

    [DriverNodeTheory]
    [InlineData("525.60.12", "polloloco-rtx2080ti-525.60.12.txt", 19)]
    [InlineData("535.230.02", "anomixer-15-gtx1080-535.230.02-partial.txt", 12)]
    [InlineData("550.54.10", "greendamtan-cmp40hx-550.54.10-vgpu-kvm-host.txt", 19)]
    public async Task Default_table_has_the_layout_of_the_installed_branch(string version, string sample, int lines)
    {
        await using var node = await NodeWithDriverAsync(version);

        var table = DriverNodes.Ok(node, "nvidia-smi");

        TableShape.AssertSameShape(RealOutputSamples.Read("nvidia-smi-host", sample), table, lines);
        Assert.Matches(DateLine(), table.Split('\n')[0]);
    }

    [NodeFact]
    public async Task Branch_580_table_has_the_new_top_border()
    {
        await using var node = await NodeWithDriverAsync("580.65.05");

        var lines = TableShape.TableLines(DriverNodes.Ok(node, "nvidia-smi"));

        Assert.Equal("+-----------------------------------------+------------------------+----------------------+", lines[2]);
        Assert.StartsWith("| NVIDIA-SMI 580.65.05 ", lines[1], StringComparison.Ordinal);
    }

    [NodeFact]
    public async Task Vgpu_views_match_the_published_samples()
    {
        await using var node = await NodeWithDriverAsync("535.129.03");
        const string uuid = "00000000-0000-0000-0000-000000000100";
        DriverNodes.Ok(node, "printf 'name: win10\\nsmbios1: uuid=c2691234-1111-2222-3333-444455556666\\n' > /etc/pve/qemu-server/100.conf");
        DriverNodes.Ok(node, $"echo {uuid} > /sys/bus/pci/devices/0000:01:00.0/mdev_supported_types/nvidia-46/create && /usr/lib/nodesim/fake-kernel.sh /sys");

        var table = DriverNodes.Ok(node, "nvidia-smi vgpu");
        TableShape.AssertSameShape(RealOutputSamples.Read("nvidia-smi-vgpu", "greendamtan-fnos-2080ti-550.90.07-active-vgpu.txt"), table, 9);
        Assert.Contains("  GRID P40-1Q    | c269...  win10,debug-thre... |", table, StringComparison.Ordinal);

        var query = DriverNodes.Ok(node, "nvidia-smi vgpu -q");
        Assert.StartsWith("GPU 00000000:01:00.0\n    Active vGPUs                          : 1\n    vGPU ID                               : ", query, StringComparison.Ordinal);
        Assert.Contains("        vGPU Name                         : GRID P40-1Q\n", query, StringComparison.Ordinal);
        Assert.Contains($"        MDEV UUID                         : {uuid}\n", query, StringComparison.Ordinal);
        Assert.Contains("        VM Name                           : win10,debug-threads=on\n", query, StringComparison.Ordinal);

        Assert.StartsWith("GPU 00000000:01:00.0\n    GRID P40-1Q\n", DriverNodes.Ok(node, "nvidia-smi vgpu -s"), StringComparison.Ordinal);
        Assert.Contains("    vGPU Type ID                          : 0x2e\n", DriverNodes.Ok(node, "nvidia-smi vgpu -s -v"), StringComparison.Ordinal);

        // the running vGPU shows as a 'vgpu' process using its framebuffer
        Assert.Matches(@"\|    0   N/A  N/A +\d+    C\+G   vgpu +1024MiB \|", DriverNodes.Ok(node, "nvidia-smi"));
    }

    [NodeFact]
    public async Task Query_csv_q_xml_lspci_and_dkms_follow_the_real_formats()
    {
        await using var node = await NodeWithDriverAsync("535.129.03");

        // --query-gpu: header names and units like the HPE sample (aliases get their canonical names)
        var csv = DriverNodes.Ok(node, "nvidia-smi --query-gpu=gpu_name,gpu_bus_id,memory.total,memory.used,utilization.gpu --format=csv").Split('\n');
        var sampleHeader = RealOutputSamples.Read("nvidia-smi-query-csv", "hpe-a100-baremetal-query-gpu-csv-with-units.txt").Split('\n')[0].Split(", ");
        Assert.Equal(string.Join(", ", sampleHeader[0], sampleHeader[1], sampleHeader[5], sampleHeader[7], sampleHeader[4]), csv[0]);
        Assert.Equal("Tesla P40, 00000000:01:00.0, 24576 MiB, 0 MiB, 0 %", csv[1]);
        Assert.Equal("24576, Host VGPU\n", DriverNodes.Ok(node, "nvidia-smi --query-gpu=memory.total,virtualization_mode --format=csv,noheader,nounits"));
        var bad = DriverNodes.Run(node, "nvidia-smi --query-gpu=bogus --format=csv");
        Assert.Equal(2, bad.Exit);
        Assert.StartsWith("Field \"bogus\" is not a valid field to query.", bad.Out, StringComparison.Ordinal);

        // -q: the host view with the virtualization section laid out like the Nutanix host sample
        var q = DriverNodes.Ok(node, "nvidia-smi -q");
        var sampleQ = RealOutputSamples.Read("nvidia-smi-vgpu", "nutanix-a16-host-nvidia-smi-i0-q-470.txt");
        Assert.Contains("    GPU Virtualization Mode\n        Virtualization Mode               : Host VGPU\n", sampleQ, StringComparison.Ordinal);
        Assert.Contains("    GPU Virtualization Mode\n        Virtualization Mode               : Host VGPU\n        Host VGPU Mode                    : Non SR-IOV\n", q, StringComparison.Ordinal);
        Assert.Contains("\n==============NVSMI LOG==============\n\nTimestamp                                 : ", q, StringComparison.Ordinal);
        Assert.Contains("Driver Version                            : 535.129.03\n", q, StringComparison.Ordinal);

        // -q -x: the XML of the DTD samples
        var xml = System.Xml.Linq.XDocument.Parse(DriverNodes.Ok(node, "nvidia-smi -q -x"));
        Assert.Equal("Host VGPU", xml.Root!.Element("gpu")!.Element("gpu_virtualization_mode")!.Element("virtualization_mode")!.Value);
        Assert.Equal("00000000:01:00.0", xml.Root.Element("gpu")!.Attribute("id")!.Value);
        Assert.Equal("535.129.03", xml.Root.Element("driver_version")!.Value);

        // lspci -nnk: tab-indented detail lines as in the Tesla P4 sample
        var lspci = DriverNodes.Ok(node, "lspci -nnk -d 10de:").Split('\n');
        var sampleLspci = RealOutputSamples.Read("lspci", "greendamtan-tesla-p4-lspci-nnk-nvidia-in-use.txt").Split('\n');
        Assert.Matches(LspciHead(), sampleLspci[0]);
        Assert.Matches(LspciHead(), lspci[0]);
        Assert.Equal("01:00.0 3D controller [0302]: NVIDIA Corporation GP102GL [Tesla P40] [10de:1b38] (rev a1)", lspci[0]);
        for (var i = 1; i <= 3; i++)
        {
            Assert.Equal(sampleLspci[i].Split(':')[0], lspci[i].Split(':')[0]);
        }

        // dkms status: the new slash format
        Assert.Matches(@"^nvidia/535\.129\.03, 6\.5\.13-6-pve, x86_64: installed$", DriverNodes.Ok(node, "apt-get install -y -qq dkms >/dev/null; dkms status").Trim());
    }

    [GeneratedRegex(@"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d\d:\d\d:\d\d \d{4} {7}$")]
    private static partial Regex DateLine();

    [GeneratedRegex(@"^[0-9a-f]{2}:[0-9a-f]{2}\.\d [A-Za-z0-9 ]+ \[[0-9a-f]{4}\]: NVIDIA Corporation .+ \[10de:[0-9a-f]{4}\] \(rev [0-9a-f]{2}\)$")]
    private static partial Regex LspciHead();
}
