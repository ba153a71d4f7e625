using VgpuIac.Engine.Parsing.NvidiaSmi;

namespace VgpuIac.Engine.Tests.Parsing.NvidiaSmi;

public sealed class GuestLicenceParserTests
{
    private const string Kind = "nvidia-smi-q-license";

    public static TheoryData<string> Files => RealOutputs.Names(Kind);

    public static TheoryData<string> GuestTableFiles => RealOutputs.Names("nvidia-smi-guest");

    [Theory]
    [MemberData(nameof(Files))]
    public void Reads_every_real_sample(string file)
    {
        var text = RealOutputs.Read(Kind, file);
        var r = GuestLicenceParser.Parse(text).Value;
        switch (file)
        {
            case "cuda4vgpu-rtxa6000-24q-unlicensed-head.txt":
                Assert.Equal("535.183.06", r.DriverVersion);
                Assert.Equal("NVIDIA RTXA6000-24Q", r.VgpuProfileName);
                Assert.Equal("NVIDIA RTX Virtual Workstation", r.LicensedProductName);
                Assert.Equal(LicenceState.Unlicensed, r.Status!.State);
                Assert.Null(r.Status.Expiry);
                break;
            case "gpu-operator-220-vcs-unlicensed.txt":
                Assert.Null(r.DriverVersion);
                Assert.Equal("NVIDIA Virtual Compute Server", r.LicensedProductName);
                Assert.Equal(LicenceState.Unlicensed, r.Status!.State);
                break;
            case "hpe-vsphere-a100-4c-licensed-expiry-0-8-28.txt":
                Assert.Equal("510.47.03", r.DriverVersion);
                Assert.Equal("GRID A100-4C", r.VgpuProfileName);
                Assert.True(r.Status!.IsLicensed);
                Assert.Equal(new DateTimeOffset(2022, 5, 27, 0, 8, 28, TimeSpan.Zero), r.Status.Expiry);
                break;
            case "nrec-licensed-expiry-2024-grep.txt":
                Assert.Null(r.LicensedProductName);
                Assert.Equal(LicenceState.Licensed, r.Status!.State);
                Assert.Equal(new DateTimeOffset(2024, 10, 19, 6, 51, 17, TimeSpan.Zero), r.Status.Expiry);
                break;
            case "nrec-vcs-licensed-expiry-2023-1-31.txt":
                Assert.Equal("NVIDIA Virtual Compute Server", r.LicensedProductName);
                Assert.Equal(new DateTimeOffset(2023, 1, 31, 11, 32, 22, TimeSpan.Zero), r.Status!.Expiry);
                break;
            default:
                Assert.Fail($"no expectation written for {Kind}/{file}");
                break;
        }
    }

    [Theory]
    [MemberData(nameof(GuestTableFiles))]
    public void Reads_driver_and_profile_from_every_guest_table(string file)
    {
        var r = GuestLicenceParser.Parse(RealOutputs.Read("nvidia-smi-guest", file)).Value;
        Assert.Null(r.Status);
        var expected = file switch
        {
            "greendamtan-fnos-guest-p4-2q-535.183.06-mediasrv.txt" => ("535.183.06", "GRID P4-2Q"),
            "hpe-tkgs-a100-2-10c-mig-vgpu-guest-510.73.08.txt" => ("510.73.08", "GRID A100-2-10C"),
            "kata-2410-unable-to-determine-device-handle.txt" => ((string?)null, (string?)null),
            "nrec-p40-12q-guest-535.216.01-docker.txt" => ("535.216.01", "GRID P40-12Q"),
            "oneclick-gpu-pv-8-wsl-550.54.14-vs-551.78-segfault.txt" => ("551.78", null),
            "vultr-a16-2q-525.125.06-python3.txt" => ("525.125.06", "NVIDIA A16-2Q"),
            _ => throw new InvalidOperationException($"no expectation written for nvidia-smi-guest/{file}"),
        };
        Assert.Equal(expected, (r.DriverVersion, r.VgpuProfileName));
    }

    [Theory]
    [InlineData("Licensed", LicenceState.Licensed, null)]
    [InlineData("Licensed (Expiry: 2024-5-20 9:40:22 GMT)", LicenceState.Licensed, "2024-05-20T09:40:22Z")]
    [InlineData("Licensed (Expiry: N/A)", LicenceState.Licensed, null)]
    [InlineData("Unlicensed", LicenceState.Unlicensed, null)]
    [InlineData("Unlicensed (Unrestricted)", LicenceState.UnlicensedUnrestricted, null)]
    [InlineData("Unlicensed (Restricted)", LicenceState.UnlicensedRestricted, null)]
    [InlineData("N/A (Expiry: N/A)", LicenceState.NotAvailable, null)]
    [InlineData("something else", LicenceState.Unknown, null)]
    [InlineData("", LicenceState.Unknown, null)]
    public void Licence_status_variants(string text, LicenceState state, string? expiry)
    {
        var s = LicenceStatus.Parse(text);
        Assert.Equal(state, s.State);
        Assert.Equal(expiry is null ? null : DateTimeOffset.Parse(expiry, System.Globalization.CultureInfo.InvariantCulture), s.Expiry);
    }
}
