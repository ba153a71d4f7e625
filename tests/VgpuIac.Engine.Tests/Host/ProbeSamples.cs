namespace VgpuIac.Engine.Tests.Host;

/// <summary>Recorded-style probe outputs of a PVE 8.2 node with one Tesla P40 (plus its HDA function).</summary>
internal static class ProbeSamples
{
    public const string MdevTypesJson = """
        [
          {
            "0000:01:00.0": [
              { "nvidia-156": { "available_instances": 12, "device_api": "vfio-pci", "name": "GRID P40-2B", "description": "num_heads=4, frl_config=45, framebuffer=2048M, max_resolution=5120x2880, max_instance=12" } },
              { "nvidia-46": { "available_instances": 23, "device_api": "vfio-pci", "name": "GRID P40-1Q", "description": "num_heads=4, frl_config=60, framebuffer=1024M, max_resolution=5120x2880, max_instance=24" } },
              { "nvidia-53": { "available_instances": 0, "device_api": "vfio-pci", "name": "GRID P40-24Q", "description": "num_heads=4, frl_config=60, framebuffer=24576M, max_resolution=7680x4320, max_instance=1" } }
            ]
          }
        ]
        """;

    public static ProbeOutputBuilder Common() => new ProbeOutputBuilder()
        .Section("hostname", "pve1")
        .Section("pveversion", "pve-manager/8.2.4/faa83925c9641325 (running kernel: 6.8.12-4-pve)")
        .Section("uname", "6.8.12-4-pve")
        .Section("kernel-list", "Manually selected kernels:\nNone.\n\nAutomatically selected kernels:\n6.5.13-6-pve\n6.8.12-4-pve\n")
        .Section("packages", "ii \tbuild-essential\t12.9\nii \tmdevctl\t1.2.0-3\nii \tproxmox-kernel-6.5.13-6-pve-signed\t6.5.13-6\nii \tproxmox-kernel-6.8.12-4-pve-signed\t6.8.12-4\nii \tproxmox-headers-6.5.13-6-pve\t6.5.13-6\nun \tdkms\t<none>\n")
        .Section("proc-cmdline", "BOOT_IMAGE=/boot/vmlinuz-6.8.12-4-pve root=/dev/mapper/pve-root ro quiet intel_iommu=on")
        .File("etc-kernel-cmdline", null)
        .Section("grub", "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet intel_iommu=on\"\nGRUB_CMDLINE_LINUX=\"\"")
        .Section("boot-mode", "efi")
        .Section("cpu", "vendor_id\t: GenuineIntel")
        .Section("iommu-class", "dmar0\ndmar1")
        .Section("iommu-groups", "42")
        .Section("dmesg-iommu", "[    0.041] DMAR: IOMMU enabled")
        .Section("secure-boot", "SecureBoot disabled")
        .Section("pci-sysfs", "0000:01:00.0\t0x10de\t0x1b38\t0x10de\t0x11d9\t0x030200\tDRIVER\t\t\n0000:01:00.1\t0x10de\t0x10f0\t0x10de\t0x11d9\t0x040300\tsnd_hda_intel\t\t");

    /// <summary>Fresh node: nouveau bound, no driver, no services.</summary>
    public static string FreshNode() => Common()
        .Section("lspci", "01:00.0 3D controller [0302]: NVIDIA Corporation GP102GL [Tesla P40] [10de:1b38] (rev a1)\n\tSubsystem: NVIDIA Corporation GP102GL [Tesla P40] [10de:11d9]\n\tKernel driver in use: nouveau\n\tKernel modules: nouveau")
        .Section("sriov-types", string.Empty)
        .Section("nouveau-blacklist", string.Empty, 2)
        .Section("lsmod", "Module                  Size  Used by\nnouveau              2760704  0\nkvm                  1363968  1 kvm_intel")
        .Section("nvidia-smi", "bash: line 1: nvidia-smi: command not found", 127)
        .Section("module-version", string.Empty, 1)
        .Section("dkms", string.Empty, 127)
        .Section("driver-files", string.Empty)
        .File("driver-marker", null)
        .Section("unit-vgpud", "LoadState=not-found\nActiveState=inactive\nSubState=dead\nUnitFileState=\nEnvironment=\nDropInPaths=")
        .Section("unit-vgpu-mgr", "LoadState=not-found\nActiveState=inactive\nSubState=dead\nUnitFileState=\nEnvironment=\nDropInPaths=")
        .Section("mdev-types", "[]")
        .Section("mdev-devices", string.Empty)
        .Section("qm-list", string.Empty)
        .Section("vm-hostpci", string.Empty)
        .Section("reboot-markers", string.Empty)
        .File("dropin-vgpud", null)
        .File("dropin-vgpu-mgr", null)
        .File("unlock-config", null)
        .Section("unlock-library", string.Empty, 1)
        .File("profile-override", null)
        .Build()
        .Replace("DRIVER", "nouveau", StringComparison.Ordinal);

    /// <summary>Node with driver 535.129.03 loaded, services up, one running VM with a vGPU.</summary>
    public const string VgpuQuery = """
        GPU 00000000:01:00.0
            Active vGPUs                          : 1
            vGPU ID                               : 3251634213
                VM UUID                           : 2b6bd0ea-3c4f-4a0e-9a51-7a1e9a6b3f10
                VM Name                           : win10,debug-threads=on
                vGPU Name                         : GRID P40-1Q
                vGPU Type                         : 46
                vGPU UUID                         : 5e1b7c0a-5d7e-11ef-9f6a-8b2f0c1d2e3f
                MDEV UUID                         : 00000000-0000-0000-0000-000000000100
                Guest Driver Version              : 535.129.03
                License Status                    : Licensed (Expiry: 2026-12-7 0:8:28 GMT)
                GPU Instance ID                   : N/A
                Frame Rate Limit                  : 60 FPS
                PCI
                    Bus Id                        : 00000000:00:10.0
                FB Memory Usage
                    Total                         : 1024 MiB
                    Used                          : 312 MiB
                    Free                          : 712 MiB
                Utilization
                    GPU                           : 3 %
                    Memory                        : 1 %
        """;

    public static string DriverNode(string? profileOverride = null, string vgpuQuery = VgpuQuery) => Common()
        .Section("lspci", "01:00.0 3D controller [0302]: NVIDIA Corporation GP102GL [Tesla P40] [10de:1b38] (rev a1)\n\tSubsystem: NVIDIA Corporation GP102GL [Tesla P40] [10de:11d9]\n\tKernel driver in use: nvidia\n\tKernel modules: nouveau, nvidia_vgpu_vfio, nvidia")
        .Section("sriov-types", string.Empty)
        .Section("nouveau-blacklist", "/etc/modprobe.d/blacklist-nouveau.conf")
        .Section("lsmod", "Module                  Size  Used by\nnvidia_vgpu_vfio       86016  0\nnvidia              56147968  10 nvidia_vgpu_vfio\nmdev                   24576  1 nvidia_vgpu_vfio")
        .Section("nvidia-smi", "535.129.03")
        .Section("nvidia-smi-vgpu", vgpuQuery)
        .Section("module-version", "535.129.03")
        .Section("dkms", "nvidia/535.129.03, 6.8.12-4-pve, x86_64: installed")
        .Section("driver-files", "/usr/bin/nvidia-vgpu-mgr\n/usr/bin/nvidia-vgpud\n/usr/bin/nvidia-uninstall\n/usr/bin/nvidia-smi")
        .File("driver-marker", "version=535.129.03\nsha256=" + new string('a', 64) + "\nfile=NVIDIA-Linux-x86_64-535.129.03-vgpu-kvm.run\ndkms=true\n")
        .Section("unit-vgpud", "LoadState=loaded\nActiveState=inactive\nSubState=dead\nUnitFileState=enabled\nEnvironment=\nDropInPaths=")
        .Section("unit-vgpu-mgr", "LoadState=loaded\nActiveState=active\nSubState=running\nUnitFileState=enabled\nEnvironment=LD_PRELOAD=/opt/vgpu_unlock-rs/target/release/libvgpu_unlock_rs.so\nDropInPaths=/etc/systemd/system/nvidia-vgpu-mgr.service.d/vgpu_unlock.conf")
        .Section("mdev-types", MdevTypesJson)
        .Section("mdev-devices", "00000100-0000-0000-0000-000000000100\t0000:01:00.0\tnvidia-46")
        .Section("qm-list", "      VMID NAME                 STATUS     MEM(MB)    BOOTDISK(GB) PID\n       100 win10                running    8192              64.00 4242\n       101 ubuntu               stopped    4096              32.00 0")
        .Section("vm-hostpci", "100\thostpci0: 0000:01:00.0,mdev=nvidia-46,pcie=1\n101\thostpci0: 0000:02:00.0,pcie=1")
        .Section("reboot-markers", string.Empty)
        .File("dropin-vgpud", null)
        .File("dropin-vgpu-mgr", "[Service]\nEnvironment=LD_PRELOAD=/opt/vgpu_unlock-rs/target/release/libvgpu_unlock_rs.so\n")
        .File("unlock-config", "unlock = false\n")
        .Section("unlock-library", new string('b', 64) + "  /opt/vgpu_unlock-rs/target/release/libvgpu_unlock_rs.so")
        .File("profile-override", profileOverride)
        .Build()
        .Replace("DRIVER", "nvidia", StringComparison.Ordinal);
}
