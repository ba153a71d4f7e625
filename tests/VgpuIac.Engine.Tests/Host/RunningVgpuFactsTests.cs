using VgpuIac.Engine.Host;
using VgpuIac.Engine.NodeInfo;
using VgpuIac.Engine.Tests.Parsing;

namespace VgpuIac.Engine.Tests.Host;

/// <summary>The probe's <c>nvidia-smi vgpu -q</c> section → <see cref="GpuFacts.RunningVgpus"/> → <c>vgpu_node.gpus[*].active_vgpus</c>.</summary>
public sealed class RunningVgpuFactsTests
{
    [Fact]
    public void A_running_vgpu_is_on_its_gpu_with_the_vmid_from_pves_mdev_uuid()
    {
        var facts = NodeFactsParser.Parse("pve1", ProbeSamples.DriverNode());

        Assert.Empty(facts.ProbeWarnings);
        var vgpu = Assert.Single(Assert.Single(facts.Gpus, g => g.PciAddress == "0000:01:00.0").RunningVgpus);
        Assert.Equal("3251634213", vgpu.VgpuId);
        Assert.Equal(100, vgpu.VmId);
        Assert.Equal("win10", vgpu.VmName);
        Assert.Equal(("nvidia-46", "GRID P40-1Q"), (vgpu.TypeId, vgpu.TypeName));
        Assert.Equal("00000000-0000-0000-0000-000000000100", vgpu.MdevUuid);
        Assert.Equal("5e1b7c0a-5d7e-11ef-9f6a-8b2f0c1d2e3f", vgpu.VgpuUuid);
        Assert.Equal("535.129.03", vgpu.GuestDriverVersion);
        Assert.True(vgpu.Licensed);
        Assert.Equal("Licensed (Expiry: 2026-12-7 0:8:28 GMT)", vgpu.LicenceStatus);
    }

    [Fact]
    public void The_580_branch_without_mdev_uuid_finds_the_vm_by_its_unique_name_and_keeps_na_values_null()
    {
        // the real 580.105.06 output (two vGPUs, Placement ID, no MDEV UUID, 'N/A (Expiry: N/A)' before the guest driver loads)
        var real = RealOutputs.Read("nvidia-smi-vgpu", "bigstack-fixture-rtxpro6000-blackwell-vgpu-q-two-instances.txt")
            .Replace("GPU 00000001:C8:00.0", "GPU 00000000:01:00.0", StringComparison.Ordinal);
        var text = ProbeSamples.DriverNode(vgpuQuery: real).Replace(
            "       100 win10                running",
            "       104 instance-00000004    running",
            StringComparison.Ordinal);

        var facts = NodeFactsParser.Parse("pve1", text);

        Assert.Empty(facts.ProbeWarnings);
        var running = Assert.Single(facts.Gpus, g => g.PciAddress == "0000:01:00.0").RunningVgpus;
        Assert.Equal(2, running.Length);
        var first = running[0];
        Assert.Equal((104, "instance-00000004"), (first.VmId, first.VmName));
        Assert.Null(first.MdevUuid);
        Assert.Null(first.GuestDriverVersion);
        Assert.Equal("N/A (Expiry: N/A)", first.LicenceStatus);
        Assert.False(first.Licensed);
        Assert.Equal("c47a3625-859f-11f1-84fe-7572c7d51d3e", first.VgpuUuid);
        Assert.Equal("nvidia-1519", first.TypeId);
        var second = running[1];
        Assert.Equal(((int?)null, "instance-00000005"), (second.VmId, second.VmName));
        Assert.Equal("580.105.08", second.GuestDriverVersion);
    }

    [Fact]
    public void Cut_vgpu_query_output_is_a_probe_warning_and_the_vgpus_read_so_far_are_kept()
    {
        var cut = ProbeSamples.VgpuQuery.Replace("Active vGPUs                          : 1", "Active vGPUs                          : 2", StringComparison.Ordinal);

        var facts = NodeFactsParser.Parse("pve1", ProbeSamples.DriverNode(vgpuQuery: cut));

        var warning = Assert.Single(facts.ProbeWarnings);
        Assert.StartsWith("nvidia-smi vgpu -q: ", warning, StringComparison.Ordinal);
        Assert.Contains("2 active vGPUs but 1 were printed", warning, StringComparison.Ordinal);
        Assert.Single(facts.Gpus[0].RunningVgpus);
    }

    [Fact]
    public void No_driver_means_no_running_vgpus_and_no_warning()
    {
        var facts = NodeFactsParser.Parse("pve1", ProbeSamples.DriverNode(vgpuQuery: "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.")
            .Replace("### nvidia-smi-vgpu rc=0", "### nvidia-smi-vgpu rc=9", StringComparison.Ordinal));

        Assert.Empty(facts.ProbeWarnings);
        Assert.All(facts.Gpus, g => Assert.Empty(g.RunningVgpus));
    }

    [Theory]
    [InlineData("00000000-0000-0000-0000-000000000100", 100)]
    [InlineData("00000001-0000-0000-0000-000000004321", 4321)]
    [InlineData("5e1b7c0a-5d7e-11ef-9f6a-8b2f0c1d2e3f", null)]
    [InlineData("00000000-0000-0000-0000-000000000000", null)]
    public void The_vmid_is_read_only_from_the_uuid_pve_generates(string uuid, int? vmid) =>
        Assert.Equal(vmid, NodeFactsParser.VmIdOfMdev(uuid));

    [Fact]
    public void The_data_source_renders_active_vgpus_with_every_schema_field()
    {
        var state = NodeFactsValues.State(NodeFactsParser.Parse("pve1", ProbeSamples.DriverNode()));

        var vgpu = Assert.Single(Assert.Single(state["gpus"].Items)["active_vgpus"].Items);
        Assert.Equal(
            ["guest_driver_version", "license_status", "licensed", "mdev_uuid", "type_id", "type_name", "vgpu_id", "vgpu_uuid", "vm_id", "vm_name"],
            vgpu.Fields.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(100, vgpu["vm_id"].AsInt64());
        Assert.Equal("nvidia-46", vgpu["type_id"].AsString());
        Assert.True(vgpu["licensed"].AsBool());
    }
}
