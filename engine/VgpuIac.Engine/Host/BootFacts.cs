namespace VgpuIac.Engine.Host;

/// <summary>The kernel command lines: what the running kernel got and what the next boot will get.</summary>
internal sealed record BootFacts
{
    /// <summary><c>/proc/cmdline</c>.</summary>
    public string ProcCmdline { get; init; } = string.Empty;

    /// <summary><c>/etc/kernel/cmdline</c> (systemd-boot via proxmox-boot-tool); null when absent.</summary>
    public string? KernelCmdlineFile { get; init; }

    /// <summary>The value of <c>GRUB_CMDLINE_LINUX_DEFAULT</c> in <c>/etc/default/grub</c> (unquoted); null when absent.</summary>
    public string? GrubCmdlineDefault { get; init; }

    public bool Efi { get; init; }

    /// <summary>systemd-boot when <c>/etc/kernel/cmdline</c> exists and proxmox-boot-tool manages ESPs, else GRUB.</summary>
    public BootLoader Loader { get; init; } = BootLoader.Grub;

    /// <summary>The command line the next boot will use (the file of <see cref="Loader"/>).</summary>
    public string? NextBootCmdline => Loader == BootLoader.SystemdBoot ? KernelCmdlineFile : GrubCmdlineDefault;
}
