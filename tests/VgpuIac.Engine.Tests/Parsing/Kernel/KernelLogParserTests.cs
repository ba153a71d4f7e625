using VgpuIac.Engine.Parsing.Kernel;

namespace VgpuIac.Engine.Tests.Parsing.Kernel;

public sealed class KernelLogParserTests
{
    private const string Kind = "dmesg-nvrm";

    public static TheoryData<string> Files => RealOutputs.Names(Kind);

    [Theory]
    [MemberData(nameof(Files))]
    public void Reads_every_real_sample(string file)
    {
        var r = KernelLogParser.Parse(RealOutputs.Read(Kind, file));
        switch (file)
        {
            case "flatcar-1283-p40-vgpu-guest-not-supported-535.104.05.txt":
                Assert.True(r.IsComplete);
                Assert.Equal(6, r.Value.Length);
                Assert.Equal(130852.530546, r.Value[1].Seconds);
                Assert.Equal(6, r.Value[1].Message.Split('\n').Length);
                var findings = KernelLogParser.FindNvidiaProblems(r.Value);
                Assert.Equal(["GpuNotSupportedByDriver", "ProbeFailed", "NoDevicesInitialized"], findings.Select(f => f.Kind));
                Assert.Equal(("0000:02:00.0", "10de:1b38", "535.104.05"), (findings[0].PciAddress, findings[0].PciId, findings[0].DriverVersion));
                Assert.Equal("0000:02:00.0", findings[1].PciAddress);
                break;
            default:
                Assert.Fail($"no expectation written for {Kind}/{file}");
                break;
        }
    }

    [Fact]
    public void Secure_boot_and_vgpu_start_failures()
    {
        var r = KernelLogParser.Parse("[ 1295.820363] nvidia: module verification failed: signature and/or required key missing - tainting kernel\n[ 2000.1] [nvidia-vgpu-vfio] 7ece9ff1-b292-474e-aaf4-58e863ae2053: start failed. status: 0x1\n");
        Assert.Equal(["ModuleVerificationFailed", "VgpuStartFailed"], KernelLogParser.FindNvidiaProblems(r.Value).Select(f => f.Kind));
        Assert.Empty(KernelLogParser.Parse("").Value);
    }
}
