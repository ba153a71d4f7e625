namespace VgpuIac.NodeSim;

/// <summary>What the simulated Proxmox VE node looks like when it starts.</summary>
public sealed record NodeOptions
{
    public string Hostname { get; init; } = "pve-sim";

    public string PveVersion { get; init; } = "8.2.4";

    /// <summary>The kernel <c>uname -r</c> reports.</summary>
    public string RunningKernel { get; init; } = "6.5.13-6-pve";

    /// <summary>Installed kernels; null means just <see cref="RunningKernel"/>.</summary>
    public IReadOnlyList<string>? InstalledKernels { get; init; }

    /// <summary>Installed kernel header packages; null means <c>proxmox-headers-&lt;RunningKernel&gt;</c>.
    /// Pass an empty list for a node without headers.</summary>
    public IReadOnlyList<string>? HeaderPackages { get; init; }

    public bool IommuEnabled { get; init; } = true;

    /// <summary>The node's locale (<c>LANG</c> in <c>/etc/default/locale</c>), e.g. <c>de_DE.UTF-8</c>; null for none (C).
    /// Tools that print dates in the reader's locale (journalctl's month names) follow it in SSH sessions.</summary>
    public string? Locale { get; init; }

    public bool SecureBoot { get; init; }

    /// <summary>Booted in UEFI mode (<c>/sys/firmware/efi</c> present). Secure Boot implies UEFI.</summary>
    public bool Uefi { get; init; } = true;

    public IReadOnlyList<GpuDevice> Gpus { get; init; } = [new GpuDevice("0000:01:00.0", "tesla-p40")];

    /// <summary>Seconds the SSH port stays closed during a reboot.</summary>
    public double RebootDelay { get; init; } = 2;

    /// <summary>Files written into the upper layer before start: path inside the node (with or without the
    /// leading slash) to content and mode. They are written last, so they replace generated files.</summary>
    public IReadOnlyDictionary<string, PreseedFile> Preseed { get; init; } = new Dictionary<string, PreseedFile>();

    /// <summary>Directory the per-node sandbox directory is created in; null means the system temp directory.</summary>
    public string? SandboxRoot { get; init; }

    /// <summary>How long to wait for sshd's banner at start.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);

    internal IReadOnlyList<string> EffectiveKernels => InstalledKernels is { Count: > 0 } k ? k : [RunningKernel];

    internal IReadOnlyList<string> EffectiveHeaderPackages => HeaderPackages ?? [$"proxmox-headers-{RunningKernel}"];
}
