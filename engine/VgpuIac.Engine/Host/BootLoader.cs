namespace VgpuIac.Engine.Host;

/// <summary>Where the kernel command line lives (vgpu-domain.md §3.6).</summary>
internal enum BootLoader
{
    /// <summary><c>/etc/default/grub</c> + <c>update-grub</c>.</summary>
    Grub,

    /// <summary><c>/etc/kernel/cmdline</c> + <c>proxmox-boot-tool refresh</c> (ZFS root / UEFI without Secure Boot).</summary>
    SystemdBoot,
}
