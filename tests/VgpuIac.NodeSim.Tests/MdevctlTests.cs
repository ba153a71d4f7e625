using VgpuIac.NodeSim;

namespace VgpuIac.NodeSim.Tests;

public sealed class MdevctlTests
{
    /// <summary>Registers the model's mdev types under the GPU by hand, as a loaded vGPU driver would.</summary>
    internal static Task RegisterTypesByHandAsync(SimulatedNode node, string bdf = "0000:01:00.0", string model = "tesla-p40") =>
        node.ExecCheckedAsync($$"""
            P=$(readlink -f /sys/bus/pci/devices/{{bdf}})
            while IFS=$'\t' read -r t name fb frl max res heads; do
              case $t in '#'*|'') continue;; esac
              d=$P/mdev_supported_types/$t; mkdir -p $d/devices
              echo "$name" > $d/name; echo vfio-pci > $d/device_api; echo $max > $d/available_instances; : > $d/create
              echo "num_heads=$heads, frl_config=$frl, framebuffer=${fb}M, max_resolution=$res, max_instance=$max" > $d/description
            done < /usr/lib/nodesim/gpus/{{model}}.types
            ln -s ../../${P#/sys/} /sys/class/mdev_bus/{{bdf}}
            """);

    [NodeFact]
    public async Task Types_appear_only_once_registered_and_start_stop_keep_available_instances_right()
    {
        await using var node = await SimulatedNode.StartAsync(new NodeOptions(), CancellationToken.None);
        var empty = NodeSsh.Run(node, "mdevctl types");
        Assert.Equal(0, empty.Exit);
        Assert.Equal("", empty.Out.Trim());

        await RegisterTypesByHandAsync(node);
        var types = NodeSsh.Run(node, "mdevctl types").Out;
        Assert.StartsWith("0000:01:00.0\n  nvidia-156\n    Available instances: 12\n    Device API: vfio-pci\n    Name: GRID P40-2B\n", types, StringComparison.Ordinal);
        Assert.Contains("  nvidia-46\n    Available instances: 24\n    Device API: vfio-pci\n    Name: GRID P40-1Q\n    Description: num_heads=4, frl_config=60, framebuffer=1024M, max_resolution=5120x2880, max_instance=24\n", types, StringComparison.Ordinal);

        const string U1 = "6c5b2a8e-0000-4000-8000-000000000001";
        const string U2 = "6c5b2a8e-0000-4000-8000-000000000002";
        var started = NodeSsh.Run(node, $"mdevctl define -u {U1} -p 0000:01:00.0 -t nvidia-47 --auto && mdevctl start -u {U1} && mdevctl start -p 0000:01:00.0 -t nvidia-156 -u {U2} && mdevctl list");
        Assert.True(started.Exit == 0, started.Err);
        Assert.Contains($"{U1} 0000:01:00.0 nvidia-47 auto (defined)", started.Out, StringComparison.Ordinal);
        Assert.Contains($"{U2} 0000:01:00.0 nvidia-156 manual", started.Out, StringComparison.Ordinal);

        Assert.Equal("10 10 10 0 0", Available(node, "nvidia-47", "nvidia-156", "nvidia-215", "nvidia-46", "nvidia-53"));

        var otherSize = NodeSsh.Run(node, $"mdevctl start -p 0000:01:00.0 -t nvidia-46 -u 6c5b2a8e-0000-4000-8000-000000000003");
        Assert.NotEqual(0, otherSize.Exit);

        var stopped = NodeSsh.Run(node, $"mdevctl stop -u {U2} && mdevctl stop -u {U1} && mdevctl list | grep -c .");
        Assert.Equal("0\n", stopped.Out);
        Assert.Equal("12 12 24 1", Available(node, "nvidia-47", "nvidia-156", "nvidia-46", "nvidia-53"));
        Assert.True(File.Exists(Path.Combine(node.UpperDir, "etc/mdevctl.d/0000:01:00.0", U1)));
    }

    [NodeFact]
    public async Task Dumpjson_lists_types_per_parent()
    {
        await using var node = await SimulatedNode.StartAsync(new NodeOptions { Gpus = [new GpuDevice("0000:01:00.0", "rtx-2080ti")] }, CancellationToken.None);
        await RegisterTypesByHandAsync(node, model: "rtx-2080ti");
        var json = NodeSsh.Run(node, "mdevctl types --dumpjson").Out;
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        var types = doc.RootElement[0].GetProperty("0000:01:00.0");
        var first = types.EnumerateArray().Select(t => t.EnumerateObject().Single()).First(p => p.Name == "nvidia-256");
        Assert.Equal("GRID RTX6000-1Q", first.Value.GetProperty("name").GetString());
        Assert.Equal(24, first.Value.GetProperty("available_instances").GetInt32());
    }

    private static string Available(SimulatedNode node, params string[] types) =>
        NodeSsh.Run(node, "cd /sys/class/mdev_bus/0000:01:00.0/mdev_supported_types && echo " + string.Join(' ', types.Select(t => $"$(cat {t}/available_instances)"))).Out.Trim();
}
