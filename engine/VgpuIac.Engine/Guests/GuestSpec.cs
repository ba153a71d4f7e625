using System.Globalization;
using VgpuIac.Engine.Values;
using D = VgpuIac.Engine.Guests.GuestDefinition;

namespace VgpuIac.Engine.Guests;

/// <summary>What the user asked for, with defaults filled in (built from a wholly known planned value).</summary>
internal sealed record GuestSpec
{
    public const string TokenPath = "/etc/nvidia/ClientConfigToken/client_configuration_token_vgpuiac.tok";

    public required long Vmid { get; init; }

    public required string Name { get; init; }

    public required string Os { get; init; }

    public required string Machine { get; init; }

    public required string Bios { get; init; }

    public required string Cpu { get; init; }

    public required long Cores { get; init; }

    public required long MemoryMb { get; init; }

    public required string Storage { get; init; }

    public required long DiskSizeGb { get; init; }

    public required string Bridge { get; init; }

    public string? Iso { get; init; }

    public long? CloneFrom { get; init; }

    public required bool Started { get; init; }

    public required bool Agent { get; init; }

    public string? MdevType { get; init; }

    public string? MdevTypeName { get; init; }

    public string? Gpu { get; init; }

    public string? GpuMapping { get; init; }

    public required bool Pcie { get; init; }

    public required bool Rombar { get; init; }

    public required string GuestSetup { get; init; }

    public string? DriverUrl { get; init; }

    public string? DriverSha256 { get; init; }

    public string? DriverSource { get; init; }

    public string? HostDriverVersion { get; init; }

    public string? LicenseToken { get; init; }

    public required TimeSpan LicenseWait { get; init; }

    /// <summary>The MAC address of net0 the user set, or the one read back from the node; null: PVE generates one at creation.</summary>
    public string? MacAddress { get; init; }

    /// <summary>How long setup waits for the QEMU guest agent (agent_wait_timeout, default 5 minutes).</summary>
    public TimeSpan AgentWait { get; init; } = DefaultAgentWait;

    public static readonly TimeSpan DefaultAgentWait = TimeSpan.FromMinutes(5);

    /// <summary>SSH straight into the guest (guest_ssh_*); null: setup goes through the QEMU guest agent.</summary>
    public GuestSshTarget? Ssh { get; init; }

    public bool WantsDriver => DriverUrl is not null || DriverSource is not null;

    public string VmidText => Vmid.ToString(CultureInfo.InvariantCulture);

    public bool IsWindows => Os == "windows";

    /// <summary>
    /// The driver version named in the installer's file name, if any: <c>NVIDIA-Linux-x86_64-535.129.03-grid.run</c>
    /// (Linux) or <c>537.70_grid_win10_win11_server2019_server2022_dch_64bit_international.exe</c> (Windows).
    /// </summary>
    public string? DriverVersionFromName
    {
        get
        {
            var name = DriverSource ?? DriverUrl;
            if (name is null)
            {
                return null;
            }

            var m = System.Text.RegularExpressions.Regex.Match(name, @"x86_64-([0-9]+\.[0-9]+(?:\.[0-9]+)?)-grid", System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromMilliseconds(100));
            if (!m.Success)
            {
                m = System.Text.RegularExpressions.Regex.Match(name, @"(?:^|[/\\_-])([0-9]+\.[0-9]+)_grid_win", System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromMilliseconds(100));
            }

            return m.Success ? m.Groups[1].Value : null;
        }
    }

    public static GuestSpec From(Value v) => new()
    {
        Vmid = v[D.Vmid].Int64OrNull ?? 0,
        Name = v[D.Name].StringOrNull ?? string.Empty,
        Os = v[D.Os].StringOrNull ?? "linux",
        Machine = v[D.Machine].StringOrNull ?? "q35",
        Bios = v[D.Bios].StringOrNull ?? "ovmf",
        Cpu = v[D.Cpu].StringOrNull ?? "host",
        Cores = v[D.Cores].Int64OrNull ?? 4,
        MemoryMb = v[D.MemoryMb].Int64OrNull ?? 8192,
        Storage = v[D.Storage].StringOrNull ?? "local-lvm",
        DiskSizeGb = v[D.DiskSizeGb].Int64OrNull ?? 32,
        Bridge = v[D.Bridge].StringOrNull ?? "vmbr0",
        Iso = v[D.Iso].StringOrNull,
        CloneFrom = v[D.CloneFrom].Int64OrNull,
        Started = v[D.Started].BoolOrNull ?? true,
        Agent = v[D.Agent].BoolOrNull ?? true,
        MdevType = v[D.MdevType].StringOrNull,
        MdevTypeName = v[D.MdevTypeName].StringOrNull,
        Gpu = v[D.Gpu].StringOrNull,
        GpuMapping = v[D.GpuMapping].StringOrNull,
        Pcie = v[D.Pcie].BoolOrNull ?? true,
        Rombar = v[D.Rombar].BoolOrNull ?? true,
        GuestSetup = v[D.GuestSetup].StringOrNull ?? "agent",
        DriverUrl = v[D.GuestDriverUrl].StringOrNull,
        DriverSha256 = v[D.GuestDriverSha256].StringOrNull?.ToLowerInvariant(),
        DriverSource = v[D.GuestDriverSource].StringOrNull,
        HostDriverVersion = v[D.HostDriverVersion].StringOrNull,
        LicenseToken = v[D.LicenseToken].StringOrNull,
        LicenseWait = Schema.DurationText.Parse(v[D.LicenseWaitTimeout].StringOrNull ?? "3m", TimeSpan.FromMinutes(3)),
        Ssh = GuestSshTarget.From(v),
        MacAddress = v[D.MacAddress].StringOrNull,
        AgentWait = v[D.AgentWaitTimeout].StringOrNull is { } wait ? Schema.DurationText.Parse(wait, DefaultAgentWait) : DefaultAgentWait,
    };

    /// <summary>The <c>hostpci0</c> property string PVE stores for this vGPU.</summary>
    public string HostPci(string? gpuAddress) =>
        (GpuMapping is not null ? $"mapping={GpuMapping}" : gpuAddress)
        + $",mdev={MdevType}"
        + (Pcie ? ",pcie=1" : string.Empty)
        + (Rombar ? string.Empty : ",rombar=0");

    /// <summary>PVE's mdev UUID for hostpci0 of this VM.</summary>
    public string MdevUuid => $"00000000-0000-0000-0000-{Vmid.ToString("D12", CultureInfo.InvariantCulture)}";
}
