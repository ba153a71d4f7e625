using VgpuIac.Engine.Parsing.NvidiaSmi;
using VgpuIac.Engine.Parsing.NvidiaSmi.Vgpu;
using VgpuIac.Engine.Parsing.Pci;

namespace VgpuIac.Engine.Tests.Parsing;

/// <summary>
/// Pasted or captured output is often cut (no header, a prompt glued to the first line, a pager's cut): where a parser
/// can tell, it says truncated and returns what it read, rather than fewer rows as if complete. Built from real samples.
/// </summary>
public sealed class CutOutputTests
{
    private const string VgpuKind = "nvidia-smi-vgpu";
    private const string Query580 = "bigstack-fixture-rtxpro6000-blackwell-vgpu-q-two-instances.txt";

    private static string[] QueryLines() => RealOutputs.Read(VgpuKind, Query580).TrimEnd().Split('\n');

    private static int LineOf(string[] lines, string start) => Array.FindIndex(lines, l => l.TrimStart().StartsWith(start, StringComparison.Ordinal));

    [Fact]
    public void Vgpu_query_cut_inside_the_last_vgpu_block_is_truncated()
    {
        var lines = QueryLines();
        var cut = LineOf(lines, "Placement ID                      : 3") + 1;

        var r = NvidiaSmiVgpuQueryParser.Parse(string.Join('\n', lines[..cut]));

        Assert.True(r.Truncated);
        var gpu = Assert.Single(r.Value);
        Assert.Equal(2, gpu.Vgpus.Length);
        Assert.Equal("3", gpu.Vgpus[1].PlacementId);
        Assert.Null(gpu.Vgpus[1].FbTotalMiB);
    }

    [Fact]
    public void Vgpu_query_cut_after_the_first_of_two_vgpus_is_truncated()
    {
        var lines = QueryLines();
        var second = Array.FindLastIndex(lines, l => l.TrimStart().StartsWith("vGPU ID", StringComparison.Ordinal));

        var r = NvidiaSmiVgpuQueryParser.Parse(string.Join('\n', lines[..second]));

        Assert.True(r.Truncated);
        Assert.Contains(r.Warnings, w => w.Contains("2 active vGPUs but 1", StringComparison.Ordinal));
        Assert.Equal("3251637554", Assert.Single(Assert.Single(r.Value).Vgpus).VgpuId);
    }

    [Fact]
    public void Vgpu_query_without_its_gpu_line_is_truncated_and_keeps_the_vgpus_it_saw()
    {
        var lines = QueryLines();
        var second = Array.FindLastIndex(lines, l => l.TrimStart().StartsWith("vGPU ID", StringComparison.Ordinal));

        var r = NvidiaSmiVgpuQueryParser.Parse(string.Join('\n', lines[(second - 3)..]));

        Assert.True(r.Truncated);
        var orphan = Assert.Single(r.Value);
        Assert.Equal(string.Empty, orphan.BusId);
        Assert.Null(orphan.Address);
        Assert.Equal("3251637566", Assert.Single(orphan.Vgpus).VgpuId);
    }

    [Fact]
    public void Vgpu_query_with_a_prompt_glued_to_the_gpu_line_is_read_whole()
    {
        var r = NvidiaSmiVgpuQueryParser.Parse("root@pve:~# " + RealOutputs.Read(VgpuKind, Query580));

        Assert.False(r.Truncated);
        Assert.Contains(r.Warnings, w => w.Contains("shell prompt", StringComparison.Ordinal));
        var gpu = Assert.Single(r.Value);
        Assert.Equal("00000001:C8:00.0", gpu.BusId);
        Assert.Equal(2, gpu.Vgpus.Length);
    }

    [Theory]
    [InlineData("--More--")]
    [InlineData("--More--(61%)")]
    [InlineData("lines 1-40/57 70%")]
    [InlineData(":")]
    public void Vgpu_query_copied_from_a_pager_that_had_more_is_truncated(string mark)
    {
        var r = NvidiaSmiVgpuQueryParser.Parse(RealOutputs.Read(VgpuKind, Query580).TrimEnd() + "\n" + mark + "\n");

        Assert.True(r.Truncated);
        Assert.Equal(2, Assert.Single(r.Value).Vgpus.Length);
    }

    [Fact]
    public void Vgpu_query_copied_from_a_pager_at_its_end_is_complete()
    {
        var r = NvidiaSmiVgpuQueryParser.Parse(RealOutputs.Read(VgpuKind, Query580).TrimEnd() + "\nlines 1-42/42 (END)\n");

        Assert.False(r.Truncated);
    }

    [Fact]
    public void Lspci_cut_through_the_first_device_is_truncated_and_reads_the_rest()
    {
        var lines = RealOutputs.Read("lspci", "redhat-ssa-openshift-8x-t4-lspci-nnk-libkmod-error.txt").TrimEnd().Split('\n');
        var whole = LspciParser.Parse(string.Join('\n', lines));

        var r = LspciParser.Parse(string.Join('\n', lines[1..]));

        Assert.False(whole.Truncated);
        Assert.True(r.Truncated);
        Assert.Contains(r.Warnings, w => w.Contains("cut off the top", StringComparison.Ordinal));
        Assert.Equal(whole.Value.Length - 1, r.Value.Length);
        Assert.Equal(whole.Value[1..], r.Value, (a, b) => a.AddressText == b.AddressText && a.KernelDriverInUse == b.KernelDriverInUse);
    }

    [Theory]
    [InlineData("root@pve:~# ")]
    [InlineData("[root@node1 ~]# ")]
    [InlineData("$ ")]
    public void Lspci_with_a_prompt_glued_to_the_first_line_reads_every_device(string prompt)
    {
        var text = RealOutputs.Read("lspci", "vanities-6-rtx3080-lspci-nnk-no-indent.txt");

        var r = LspciParser.Parse(prompt + text);

        Assert.False(r.Truncated);
        Assert.Equal(["3e:00.0", "3e:00.1"], r.Value.Select(d => d.AddressText));
        Assert.Equal(("2206", "nvidia"), (r.Value[0].DeviceId, r.Value[0].KernelDriverInUse));
    }

    [Fact]
    public void Guest_licence_cut_before_the_license_status_line_is_truncated()
    {
        var text = RealOutputs.Read("nvidia-smi-q-license", "cuda4vgpu-rtxa6000-24q-unlicensed-head.txt").TrimEnd();
        var whole = GuestLicenceParser.Parse(text);

        var r = GuestLicenceParser.Parse(text[..text.LastIndexOf('\n')]);

        Assert.False(whole.Truncated);
        Assert.True(r.Truncated);
        Assert.Null(r.Value.Status);
        Assert.Equal(("535.183.06", "NVIDIA RTX Virtual Workstation"), (r.Value.DriverVersion, r.Value.LicensedProductName));
    }
}
